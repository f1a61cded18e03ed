//go:build unix

package dns

import (
	"errors"
	"fmt"
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

// tryLock takes the exclusive lock on path without waiting, and returns
// the function that releases it. ErrAlreadyRunning when it is held.
func tryLock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the resolver lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrAlreadyRunning
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}

// lockHeld reports whether another process holds the lock on path.
func lockHeld(path string) (bool, error) {
	unlock, err := tryLock(path)
	if errors.Is(err, ErrAlreadyRunning) {
		return true, nil
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	unlock()
	return false, nil
}
