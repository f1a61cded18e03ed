package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/statelock"
)

// TestSecondRunIsRefused: while one up, down or reset holds the state
// directory, another says who holds it and exits 1, touching nothing.
func TestSecondRunIsRefused(t *testing.T) {
	fakeDocker(t)
	l, err := statelock.Acquire(os.Getenv("DEVSTACK_STATE_DIR"), "devstack up --profile minimal")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	want := fmt.Sprintf("process %d (devstack up --profile minimal) is using devstack's state", os.Getpid())
	for _, args := range [][]string{{"up", "--no-tui"}, {"down"}, {"reset", "--yes"}} {
		out, errOut, code := devstack(t, args...)
		if code != exitFailure || !strings.Contains(errOut, want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and %q", args, code, errOut, want)
		}
		if out != "" {
			t.Errorf("%v printed %q: it should have done nothing", args, out)
		}
	}
}

// TestResetWithNothingAndNoEngine: a clean machine without a running
// container engine resets to the same clean machine, exit 0.
func TestResetWithNothingAndNoEngine(t *testing.T) {
	fakeDocker(t)
	t.Setenv("DEVSTACK_OS_ROOT", t.TempDir())
	out, errOut, code := devstack(t, "reset", "--yes")
	if code != exitOK || !strings.Contains(out, "Nothing to remove") {
		t.Errorf("exit %d\n%s%s", code, out, errOut)
	}
}
