//go:build !unix

package dns

import "syscall"

// setBlocking leaves sockets to Go's network poller where blocking sockets
// are not set up the same way; Close then interrupts the calls.
func setBlocking(syscall.Conn) (bool, error) { return false, nil }

func interrupt(syscall.Conn) {}
