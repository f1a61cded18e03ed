package dns

import (
	"net"

	mdns "github.com/miekg/dns"
)

// recorder is a ResponseWriter that keeps the answer, so the handler is
// tested without sockets. Packing it checks that the answer is valid wire
// format, as a real server would send it.
type recorder struct {
	remote net.Addr
	msg    *mdns.Msg
	wire   []byte
	writes int
}

func newRecorder(network string) *recorder {
	if network == "tcp" {
		return &recorder{remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}}
	}
	return &recorder{remote: &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}}
}

func (r *recorder) LocalAddr() net.Addr {
	return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 15353}
}
func (r *recorder) RemoteAddr() net.Addr { return r.remote }
func (r *recorder) WriteMsg(m *mdns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		return err
	}
	r.writes++
	r.msg, r.wire = m, b
	return nil
}
func (r *recorder) Write(b []byte) (int, error) {
	m := new(mdns.Msg)
	if err := m.Unpack(b); err != nil {
		return 0, err
	}
	r.writes++
	r.msg, r.wire = m, b
	return len(b), nil
}
func (r *recorder) Close() error        { return nil }
func (r *recorder) TsigStatus() error   { return nil }
func (r *recorder) TsigTimersOnly(bool) {}
func (r *recorder) Hijack()             {}
