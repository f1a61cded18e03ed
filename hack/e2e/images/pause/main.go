// Command pause is the pod sandbox process of the offline kind node image:
// it holds the pod's namespaces, reaps orphaned children (it is PID 1 of the
// pod) and exits on SIGINT or SIGTERM. `pause -v` prints its version and
// exits, which the machine preparation uses as a probe.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const version = "devstack-e2e-pause 1"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println(version)
		return
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			return
		}
		reap()
	}
}

// reap collects every exited child so none stays a zombie.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}
