//go:build unix

package trust

import (
	"os"
	"path/filepath"
	"syscall"
)

// writable reports whether this user can write path, or create it in its
// nearest existing parent directory.
func writable(path string) bool {
	const wOK = 2
	for p := path; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			return syscall.Access(p, wOK) == nil
		}
		if p == filepath.Dir(p) {
			return false
		}
	}
}
