package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/tui"
)

// lockedBuffer is written by the interrupter's goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFirstCtrlCCancelsThroughRun runs a command that serves until it is
// cancelled (the foreground resolver) with the process's signal seam: one
// SIGINT says how to stop now and the command returns cleanly.
func TestFirstCtrlCCancelsThroughRun(t *testing.T) {
	t.Setenv("DEVSTACK_STATE_DIR", t.TempDir())
	sigs := make(chan os.Signal, 2)
	var stderr lockedBuffer
	exited := make(chan int, 1)
	done := make(chan int, 1)
	go func() {
		done <- runProcess(context.Background(), process{
			args: []string{"dns", "serve", "--addr", "127.0.0.1:0"}, in: strings.NewReader(""),
			out: &bytes.Buffer{}, err: &stderr, signals: sigs, exit: func(c int) { exited <- c },
		})
	}()
	// The resolver logs once it listens.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "127.0.0.1") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	sigs <- syscall.SIGINT
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d after one Ctrl-C\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("one Ctrl-C did not stop the command\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), tui.CancellingNotice) {
		t.Errorf("stderr lacks %q:\n%s", tui.CancellingNotice, stderr.String())
	}
	if len(exited) > 0 {
		t.Error("one Ctrl-C stopped the process at once")
	}
}

// TestSecondCtrlCStopsNow: the second interrupt of a run that has not
// stopped yet exits at once with 130; in the live view both go to the view.
func TestSecondCtrlCStopsNow(t *testing.T) {
	var stderr lockedBuffer
	cancels := 0
	var code []int
	i := &interrupter{cancel: func() { cancels++ }, stderr: &stderr, exit: func(c int) { code = append(code, c) }}
	i.interrupt()
	if cancels != 1 || len(code) != 0 || stderr.String() != tui.CancellingNotice+"\n" {
		t.Fatalf("first: cancels %d exits %v stderr %q", cancels, code, stderr.String())
	}
	i.interrupt()
	if cancels != 1 || len(code) != 1 || code[0] != exitInterrupted {
		t.Fatalf("second: cancels %d exits %v", cancels, code)
	}

	i = &interrupter{cancel: func() { cancels++ }, stderr: &stderr, exit: func(c int) { code = append(code, c) }}
	view, back := i.toView()
	i.interrupt()
	select {
	case <-view:
	default:
		t.Fatal("the live view did not get the interrupt")
	}
	back()
	if cancels != 1 || len(code) != 1 {
		t.Errorf("while the view owned the terminal: cancels %d exits %v", cancels, code)
	}
}
