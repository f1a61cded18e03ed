package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/devstack-dev/devstack/internal/tui"
)

// exitInterrupted is the shell's code for a process stopped by SIGINT.
const exitInterrupted = 130

// interrupter gives Ctrl-C (and SIGTERM) the same meaning in every mode:
// the first cancels the run, which stops cleanly and can be resumed; the
// second stops the process at once. While the live view owns the terminal
// the signals go to it instead, so that it restores the terminal on the
// way out.
type interrupter struct {
	cancel context.CancelFunc
	stderr io.Writer
	exit   func(int)

	mu    sync.Mutex
	count int
	view  chan struct{} // non-nil while the live view takes the signals
}

func (i *interrupter) watch(signals <-chan os.Signal, done <-chan struct{}) {
	for {
		select {
		case <-signals:
			i.interrupt()
		case <-done:
			return
		}
	}
}

func (i *interrupter) interrupt() {
	i.mu.Lock()
	view := i.view
	i.count++
	n := i.count
	i.mu.Unlock()
	switch {
	case view != nil:
		select {
		case view <- struct{}{}:
		default: // the view is still taking the last one
		}
	case n == 1:
		fmt.Fprintln(i.stderr, tui.CancellingNotice)
		i.cancel()
	default:
		fmt.Fprintln(i.stderr, "stopped")
		i.exit(exitInterrupted)
	}
}

// toView hands the signals to the live view until the returned func runs.
func (i *interrupter) toView() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	i.mu.Lock()
	i.view = ch
	i.mu.Unlock()
	return ch, func() {
		i.mu.Lock()
		i.view = nil
		i.mu.Unlock()
	}
}
