package paths

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/devstack-dev/devstack/internal/sysfile"
)

// EnvStateDir and EnvCacheDir override the default directories (tests use
// them to keep every run in a temporary tree).
const (
	EnvStateDir = "DEVSTACK_STATE_DIR"
	EnvCacheDir = "DEVSTACK_CACHE_DIR"
)

// StateDir is where devstack keeps what it must remember between runs: the
// resolver's pid file and log, the applied cluster spec, the OS changes it
// made. `devstack reset` removes it.
func StateDir() (string, error) {
	if d := os.Getenv(EnvStateDir); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "devstack"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the state directory: %w", err)
	}
	return filepath.Join(home, ".local", "state", "devstack"), nil
}

// CacheDir is where downloaded charts are kept. It survives `reset`, so a
// fresh `up` after a reset downloads nothing.
func CacheDir() (string, error) {
	if d := os.Getenv(EnvCacheDir); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w", err)
	}
	return filepath.Join(d, "devstack"), nil
}

// Ensure creates dir and its parents private to the user and tightens its
// mode when it already existed with a wider one.
func Ensure(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("making %s private: %w", dir, err)
	}
	return nil
}

// WritePrivate writes data to path with mode 0600, atomically and
// durably (a temporary file fsynced, renamed over path, the directory
// fsynced), so a crash never leaves half a file behind.
func WritePrivate(path string, data []byte) error {
	if err := Ensure(filepath.Dir(path)); err != nil {
		return err
	}
	return sysfile.WriteFile(path, data, 0o600)
}
