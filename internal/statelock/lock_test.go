package statelock

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The test binary doubles as the second process: with STATELOCK_HOLD set
// it takes the lock, says so, and holds it until its stdin closes.
func TestMain(m *testing.M) {
	if dir := os.Getenv("STATELOCK_HOLD"); dir != "" {
		l, err := Acquire(dir, "devstack up --profile minimal")
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("locked\n")
		bufio.NewReader(os.Stdin).ReadString('\n')
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSecondProcessIsToldWhoHoldsTheLock(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "STATELOCK_HOLD="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("holder: %q %v", line, err)
	}

	_, err = Acquire(dir, "devstack reset --yes")
	var held *HeldError
	if !errors.As(err, &held) || held.PID != cmd.Process.Pid || held.Command != "devstack up --profile minimal" {
		t.Fatalf("second acquire: %v (%+v), want the holder pid %d", err, held, cmd.Process.Pid)
	}
	if !strings.Contains(err.Error(), "devstack up --profile minimal") {
		t.Errorf("message %q does not name the command", err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	// The holder is gone: the lock is free again.
	l, err := Acquire(dir, "devstack reset --yes")
	if err != nil {
		t.Fatalf("after the holder exited: %v", err)
	}
	l.Release()
}

func TestCrashedHolderLeavesNoLock(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "STATELOCK_HOLD="+dir)
	stdin, _ := cmd.StdinPipe()
	defer stdin.Close()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("holder: %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(dir, "devstack up")
	if err != nil {
		t.Fatalf("after a killed holder: %v", err)
	}
	l.Release()
}

// TestChildrenDoNotInheritTheLock: up starts the background resolver and
// exits; the resolver must not keep up's lock (the descriptor is
// close-on-exec), or no up, down or reset could run after it.
func TestChildrenDoNotInheritTheLock(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(dir, "devstack up")
	if err != nil {
		t.Fatal(err)
	}
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	l.Release()
	l, err = Acquire(dir, "devstack down")
	if err != nil {
		t.Fatalf("a child of the holder keeps the lock: %v", err)
	}
	l.Release()
}
