package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// ProbePort is the real PortProbe: it tries to bind the port on loopback,
// where devstack publishes it. "Address in use" means taken; "permission
// denied" (a privileged port, which the engine binds as root) falls back
// to connecting. The holder comes from the OS where it can be found.
func ProbePort(ctx context.Context, proto string, port int) (bool, string, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var err error
	switch proto {
	case "tcp":
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			l.Close()
			return false, "", nil
		}
	case "udp":
		var c net.PacketConn
		if c, err = net.ListenPacket("udp", addr); err == nil {
			c.Close()
			return false, "", nil
		}
	default:
		return false, "", fmt.Errorf("unknown protocol %q", proto)
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return true, portHolder(ctx, proto, port), nil
	case errors.Is(err, syscall.EACCES) && proto == "tcp":
		d := net.Dialer{Timeout: time.Second}
		c, derr := d.DialContext(ctx, "tcp", addr)
		if derr != nil {
			return false, "", nil
		}
		c.Close()
		return true, portHolder(ctx, proto, port), nil
	case errors.Is(err, syscall.EACCES):
		return false, "", nil // UDP below 1024: only the engine binds it, as root
	}
	return false, "", err
}
