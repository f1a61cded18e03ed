package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// realRuncCandidates are where Debian and upstream install runc; the
// DEVSTACK_REAL_RUNC environment variable overrides them.
var realRuncCandidates = []string{"/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc"}

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintf(os.Stderr, "runc-nocap: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	real, err := realRunc()
	if err != nil {
		return err
	}
	bounding, err := boundingSet("/proc/self/status")
	if err != nil {
		return err
	}
	if spec, isProcess := specFile(args[1:]); spec != "" {
		if err := rewriteSpec(spec, isProcess, bounding); err != nil {
			return err
		}
	}
	args[0] = real
	return syscall.Exec(real, args, os.Environ())
}

func realRunc() (string, error) {
	if p := os.Getenv("DEVSTACK_REAL_RUNC"); p != "" {
		return p, nil
	}
	self, _ := os.Executable()
	for _, p := range realRuncCandidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() && !sameFile(p, self) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no runc found in %v", realRuncCandidates)
}

func sameFile(a, b string) bool {
	ra, errA := filepath.EvalSymlinks(a)
	rb, errB := filepath.EvalSymlinks(b)
	return errA == nil && errB == nil && ra == rb
}
