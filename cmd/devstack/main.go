// Command devstack gives a developer the whole platform of a production
// Kubernetes setup on a laptop in one command. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	os.Exit(runProcess(context.Background(), process{
		args: os.Args[1:], in: os.Stdin, out: os.Stdout, err: os.Stderr,
		signals: sigs, exit: os.Exit,
	}))
}
