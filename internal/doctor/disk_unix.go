//go:build unix

package doctor

import (
	"fmt"
	"syscall"
)

// FreeDisk is the real DiskProbe: the bytes available to an unprivileged
// user on path's filesystem.
func FreeDisk(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", path, err)
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
