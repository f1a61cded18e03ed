package doctor

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// portHolder finds the process listening on a port through /proc: the
// socket's inode in /proc/net/<proto>{,6}, then the process with a file
// descriptor on that socket. Other users' processes are only visible to
// root; then the answer is empty.
func portHolder(_ context.Context, proto string, port int) string {
	inodes := map[string]bool{}
	for _, f := range []string{proto, proto + "6"} {
		for _, ino := range listeningInodes(filepath.Join("/proc/net", f), proto, port) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return ""
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/fd")
	for _, fdDir := range procs {
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
				pid := filepath.Base(filepath.Dir(fdDir))
				comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm"))
				return fmt.Sprintf("%s (pid %s)", strings.TrimSpace(string(comm)), pid)
			}
		}
	}
	return ""
}

// listeningInodes returns the inodes of sockets bound to port in a
// /proc/net table: listening for TCP (state 0A), any for UDP.
func listeningInodes(table, proto string, port int) []string {
	f, err := os.Open(table)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	s.Scan() // header
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 10 {
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseInt(hexPort, 16, 32)
		if err != nil || int(p) != port || (proto == "tcp" && fields[3] != "0A") {
			continue
		}
		out = append(out, fields[9])
	}
	return out
}
