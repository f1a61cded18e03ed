//go:build !unix

package statelock

import (
	"errors"
	"os"
)

var errHeld = errors.New("held")

// Without flock the runs are not made exclusive: devstack's background
// parts need a Unix system anyway.
func tryLock(*os.File) error { return nil }
