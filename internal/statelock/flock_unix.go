//go:build unix

package statelock

import (
	"errors"
	"os"
	"syscall"
)

var errHeld = errors.New("held")

func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return errHeld
	}
	return err
}
