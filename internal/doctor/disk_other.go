//go:build !unix

package doctor

import "errors"

// FreeDisk is not implemented on this system; the disk check warns.
func FreeDisk(string) (uint64, error) {
	return 0, errors.New("free disk space is not measured on this system")
}
