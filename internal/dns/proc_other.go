//go:build !unix

package dns

import (
	"errors"
	"syscall"
)

var errUnsupported = errors.New("the background resolver needs a Unix system (macOS or Linux)")

func detached() *syscall.SysProcAttr       { return nil }
func signalProcess(int, bool) error        { return errUnsupported }
func tryLock(string) (func(), error)       { return nil, errUnsupported }
func lockHolder(string) (int, bool, error) { return 0, false, errUnsupported }
