package dns

import (
	"net"
	"sync/atomic"
	"time"
)

// blockingListener is a TCP listener whose socket is in blocking mode (see
// setBlocking), so that while no TCP client is connected nothing of the
// resolver waits in Go's network poller: that alone made each UDP query
// cost one more context switch. Close wakes the thread blocked in accept
// before closing, which Go's Close cannot do for a blocking socket.
type blockingListener struct {
	*net.TCPListener
	closed atomic.Bool
}

// listenBlocking wraps l when its socket could be made blocking; otherwise
// l is returned as it is.
func listenBlocking(l *net.TCPListener) (net.Listener, error) {
	blocking, err := setBlocking(l)
	if err != nil || !blocking {
		return l, err
	}
	return &blockingListener{TCPListener: l}, nil
}

func (l *blockingListener) Accept() (net.Conn, error) {
	c, err := l.TCPListener.Accept()
	if l.closed.Load() {
		if c != nil {
			c.Close()
		}
		return nil, net.ErrClosed
	}
	return c, err
}

// Close wakes a blocked Accept (shutdown on Linux, else a connection to
// itself), which then returns net.ErrClosed, and closes the socket.
func (l *blockingListener) Close() error {
	if l.closed.CompareAndSwap(false, true) {
		interrupt(l.TCPListener)
		if c, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
			c.Close()
		}
	}
	return l.TCPListener.Close()
}
