//go:build !linux

package doctor

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// portHolder asks lsof (present on macOS) which process holds the port;
// empty when lsof is missing or says nothing.
func portHolder(ctx context.Context, proto string, port int) string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	args := []string{"-nP", fmt.Sprintf("-i%s:%d", strings.ToUpper(proto), port), "-Fpc"}
	if proto == "tcp" {
		args = append(args, "-sTCP:LISTEN")
	}
	out, err := exec.CommandContext(ctx, "lsof", args...).Output()
	if err != nil {
		return ""
	}
	var pid, cmd string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "p") && pid == "":
			pid = line[1:]
		case strings.HasPrefix(line, "c") && cmd == "":
			cmd = line[1:]
		}
	}
	if pid == "" {
		return ""
	}
	return fmt.Sprintf("%s (pid %s)", cmd, pid)
}
