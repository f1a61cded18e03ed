//go:build !unix

package sysfile

import "io/fs"

func writable(string) bool       { return false }
func ownerOf(fs.FileInfo) *Owner { return nil }
