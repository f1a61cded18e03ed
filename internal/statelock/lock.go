package statelock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/devstack-dev/devstack/internal/paths"
)

// File is the lock's name in the state directory.
const File = "devstack.lock"

// HeldError says another process holds the lock.
type HeldError struct {
	Path string
	// PID and Command are what the holder wrote; zero when it had not yet.
	PID     int
	Command string
}

func (e *HeldError) Error() string {
	who := "another devstack process"
	if e.PID > 0 {
		who = fmt.Sprintf("process %d (%s)", e.PID, e.Command)
	}
	return fmt.Sprintf("%s is using devstack's state (%s): wait for it to finish, or stop it, then run this again", who, e.Path)
}

// Lock is a held lock.
type Lock struct{ f *os.File }

// Acquire takes the lock of stateDir for command (the holder's command
// line, for the message of a second run), or returns a *HeldError at once.
func Acquire(stateDir, command string) (*Lock, error) {
	if err := paths.Ensure(stateDir); err != nil {
		return nil, err
	}
	path := filepath.Join(stateDir, File)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the state lock: %w", err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		if errors.Is(err, errHeld) {
			return nil, holder(path)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	// Only the holder writes, so a reader sees this or an older holder's.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+" "+command+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Release drops the lock; a nil Lock is fine.
func (l *Lock) Release() {
	if l != nil && l.f != nil {
		l.f.Close() // closing the descriptor drops the flock
		l.f = nil
	}
}

func holder(path string) *HeldError {
	e := &HeldError{Path: path}
	b, _ := os.ReadFile(path)
	pid, cmd, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	if n, err := strconv.Atoi(pid); err == nil {
		e.PID, e.Command = n, cmd
	}
	return e
}
