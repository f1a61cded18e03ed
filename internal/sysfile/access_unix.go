//go:build unix

package sysfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// writable reports whether this process can write path, or create it in
// its nearest existing parent directory (access(2), which honours the real
// uid, ACLs and read-only mounts).
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

func ownerOf(fi fs.FileInfo) *Owner {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return &Owner{UID: int(st.Uid), GID: int(st.Gid)}
	}
	return nil
}
