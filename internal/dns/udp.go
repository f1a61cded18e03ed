package dns

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	mdns "github.com/miekg/dns"
)

// udpServer answers queries on one UDP socket. miekg/dns's Server is used
// for TCP; for UDP, where every query is one packet and the answers here are
// computed in memory, its per-packet costs dominated (a goroutine, a read
// deadline, IP_PKTINFO control messages in both directions, fresh buffers,
// and a second parse to drop malformed packets). Here a few reader
// goroutines each own their buffers and answer in line; only queries the
// handler forwards upstream, which can block for seconds, get a goroutine.
//
// The policy is the same as over TCP: packets that do not parse as a query
// with one whole question, responses and stuffed sections are dropped
// silently (acceptQuery), other opcodes get NOTIMP.
type udpServer struct {
	conn    *net.UDPConn
	handler *Handler

	closed atomic.Bool
	wg     sync.WaitGroup // readers and forwarded queries in flight
}

// maxUDPQuery is the reader's buffer: the largest UDP payload, so a large
// packet is never cut to something that might parse.
const maxUDPQuery = 65535

// serve runs readers goroutines on the socket and returns when the socket
// is closed (nil after close, else the first read error).
func (u *udpServer) serve(readers int) error {
	errs := make(chan error, readers)
	for range readers {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			errs <- u.read()
		}()
	}
	var first error
	for range readers {
		if err := <-errs; err != nil && first == nil {
			first = err
			u.close() // one broken reader stops the socket: Serve reports it
		}
	}
	return first
}

// close stops the readers; wait for u.wg to see queries in flight done.
func (u *udpServer) close() {
	if u.closed.CompareAndSwap(false, true) {
		_ = u.conn.Close()
	}
}

func (u *udpServer) read() error {
	buf := make([]byte, maxUDPQuery)
	w := &udpWriter{conn: u.conn, buf: make([]byte, mdns.MaxMsgSize)}
	var req mdns.Msg
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if u.closed.Load() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		u.packet(buf[:n], from, w, &req)
	}
}

// packet answers one datagram, in line unless it is forwarded upstream.
func (u *udpServer) packet(b []byte, from netip.AddrPort, w *udpWriter, req *mdns.Msg) {
	if len(b) < 12 || req.Unpack(b) != nil || len(req.Question) != 1 || req.Question[0].Qclass == 0 {
		return // see valid in reader.go
	}
	switch acceptQuery(wireHeader(b)) {
	case mdns.MsgIgnore:
		return
	case mdns.MsgRejectNotImplemented:
		// As miekg/dns answers over TCP: the header only.
		m := new(mdns.Msg)
		m.SetRcode(&mdns.Msg{MsgHdr: mdns.MsgHdr{Id: req.Id, Opcode: req.Opcode}}, mdns.RcodeNotImplemented)
		w.to = from
		_ = w.WriteMsg(m)
		return
	}
	if h := u.handler; h.fwd != nil && h.match(req.Question[0].Name) == nil {
		fwd := req.Copy()
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			h.ServeDNS(&udpWriter{conn: u.conn, to: from}, fwd)
		}()
		return
	}
	w.to = from
	u.handler.ServeDNS(w, req)
}

// wireHeader reads the header of a packet of at least 12 bytes as it came,
// counts included (Unpack corrects them to what it found).
func wireHeader(b []byte) mdns.Header {
	be := binary.BigEndian
	return mdns.Header{Id: be.Uint16(b), Bits: be.Uint16(b[2:]), Qdcount: be.Uint16(b[4:]),
		Ancount: be.Uint16(b[6:]), Nscount: be.Uint16(b[8:]), Arcount: be.Uint16(b[10:])}
}

// udpWriter is the ResponseWriter of one query. A reader reuses its own
// (buffers included) from one query to the next, since the handler is done
// with it when ServeDNS returns.
type udpWriter struct {
	conn  *net.UDPConn
	to    netip.AddrPort
	buf   []byte // packing buffer; nil: allocate
	raddr net.UDPAddr
	ip    [16]byte
}

func (w *udpWriter) LocalAddr() net.Addr { return w.conn.LocalAddr() }

// RemoteAddr is only valid until the next query of the same reader.
func (w *udpWriter) RemoteAddr() net.Addr {
	a := w.to.Addr()
	if a.Is4() {
		v := a.As4()
		copy(w.ip[:], v[:])
		w.raddr.IP = w.ip[:4]
	} else {
		w.ip = a.As16()
		w.raddr.IP = w.ip[:]
	}
	w.raddr.Port, w.raddr.Zone = int(w.to.Port()), a.Zone()
	return &w.raddr
}

func (w *udpWriter) WriteMsg(m *mdns.Msg) error {
	b, err := m.PackBuffer(w.buf)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func (w *udpWriter) Write(b []byte) (int, error) { return w.conn.WriteToUDPAddrPort(b, w.to) }
func (w *udpWriter) Close() error                { return nil }
func (w *udpWriter) TsigStatus() error           { return nil }
func (w *udpWriter) TsigTimersOnly(bool)         {}
func (w *udpWriter) Hijack()                     {}
