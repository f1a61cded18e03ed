//go:build unix

package dns

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// detached puts the resolver in its own session: no controlling terminal,
// so closing the terminal or Ctrl-C in it does not reach the resolver.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }

func signalProcess(pid int, kill bool) error {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// The resolver's lock is a POSIX record lock (fcntl) on the whole file, not
// flock: F_GETLK tests it without taking it, so a liveness check can never
// make a starting resolver find the lock taken and exit "already running".
// A record lock belongs to the process and goes when it closes any
// descriptor of the file, so the resolver opens the lock file only here.
func wholeFile(typ int16) *syscall.Flock_t {
	return &syscall.Flock_t{Type: typ, Whence: io.SeekStart, Start: 0, Len: 0}
}

// tryLock takes the exclusive lock on path without waiting, and returns
// the function that releases it. ErrAlreadyRunning when it is held.
func tryLock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the resolver lock: %w", err)
	}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, wholeFile(syscall.F_WRLCK)); err != nil {
		f.Close()
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EACCES) {
			return nil, ErrAlreadyRunning
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// lockHolder reports whether another process holds the lock on path, and
// its pid, without taking the lock. The lock of this very process does not
// count (POSIX record locks never conflict with their owner).
func lockHolder(path string) (pid int, held bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("opening the resolver lock: %w", err)
	}
	defer f.Close()
	lk := wholeFile(syscall.F_WRLCK)
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_GETLK, lk); err != nil {
		return 0, false, fmt.Errorf("testing the lock %s: %w", path, err)
	}
	if lk.Type == syscall.F_UNLCK {
		return 0, false, nil
	}
	return int(lk.Pid), true, nil
}
