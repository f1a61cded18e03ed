//go:build !linux

package dns

import (
	"errors"
	"time"
)

func processCPUTime(int) (time.Duration, error) {
	return 0, errors.New("per-process CPU time is read from Linux's /proc")
}
