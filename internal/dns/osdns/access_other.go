//go:build !unix

package osdns

func writable(string) bool { return false }
