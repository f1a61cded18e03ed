//go:build !linux

package sysfile

// isMountPoint is only needed for the bind mounts of Linux containers.
func isMountPoint(string) bool { return false }
