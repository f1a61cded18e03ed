//go:build unix

package dns

import "syscall"

// setBlocking puts a socket in blocking mode, so that its one reader (or
// acceptor) waits in the kernel, as a C server's thread would, instead of in
// Go's network poller. Measured on Linux at 25k queries/s, the poller path
// (an epoll_wait, a goroutine wake-up, a failed read and a park for every
// lull) cost about half again the CPU of the answer itself; and any
// goroutine parked in the poller, even an idle TCP accept, made every UDP
// query cost about one more context switch. The price: the reader holds an
// OS thread while it waits, and Go's deadlines and Close no longer
// interrupt the call, so closing is interrupt first (see udpServer.close and
// blockingListener.Close).
func setBlocking(c syscall.Conn) (bool, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return false, err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return false, err
	}
	return serr == nil, serr
}

// interrupt shuts a socket down for reading, which on Linux wakes a thread
// blocked reading it or accepting on it, even an unconnected UDP socket;
// elsewhere it may do nothing, and the callers also wake the thread with a
// packet or a connection.
func interrupt(c syscall.Conn) {
	if rc, err := c.SyscallConn(); err == nil {
		_ = rc.Control(func(fd uintptr) { _ = syscall.Shutdown(int(fd), syscall.SHUT_RD) })
	}
}
