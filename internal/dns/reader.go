package dns

import (
	"errors"
	"net"
	"time"

	mdns "github.com/miekg/dns"
)

// dropInvalid wraps the server's reader so packets that do not parse never
// reach the server, which would answer them with FORMERR. Over UDP it reads
// on to the next packet; over TCP it ends the connection.
type dropInvalid struct{ mdns.Reader }

var errMalformed = errors.New("malformed DNS message")

// valid reports whether b parses as a query with one whole question.
// miekg/dns accepts a question cut short after its name (class 0, which is
// reserved), so that is checked here.
func valid(b []byte) bool {
	var m mdns.Msg
	return m.Unpack(b) == nil && len(m.Question) == 1 && m.Question[0].Qclass != 0
}

func (d dropInvalid) ReadUDP(conn *net.UDPConn, timeout time.Duration) ([]byte, *mdns.SessionUDP, error) {
	for {
		b, s, err := d.Reader.ReadUDP(conn, timeout)
		if err != nil || valid(b) {
			return b, s, err
		}
	}
}

func (d dropInvalid) ReadTCP(conn net.Conn, timeout time.Duration) ([]byte, error) {
	b, err := d.Reader.ReadTCP(conn, timeout)
	if err == nil && !valid(b) {
		return nil, errMalformed
	}
	return b, err
}

// ReadPacketConn is needed for PacketConns that are not *net.UDPConn.
func (d dropInvalid) ReadPacketConn(conn net.PacketConn, timeout time.Duration) ([]byte, net.Addr, error) {
	pcr, ok := d.Reader.(mdns.PacketConnReader)
	if !ok {
		return nil, nil, errors.New("reader cannot read packet connections")
	}
	for {
		b, a, err := pcr.ReadPacketConn(conn, timeout)
		if err != nil || valid(b) {
			return b, a, err
		}
	}
}
