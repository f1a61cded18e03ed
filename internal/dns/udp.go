package dns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	mdns "github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// udpServer answers queries on one UDP socket with one reader goroutine.
// miekg/dns's Server still serves TCP; for UDP, where every query is one
// packet and the answers are computed in memory, its per-packet costs
// dominated (a goroutine, a read deadline, IP_PKTINFO control messages both
// ways, fresh buffers, a second parse to drop malformed packets). The
// reader here owns its buffers, waits in the kernel on a blocking socket
// (see setBlocking), takes every query already queued with one recvmmsg and
// sends the answers with one sendmmsg (x/net's batch I/O on Linux; one
// packet per call elsewhere). Only queries forwarded upstream, which can
// block for seconds, get a goroutine of their own.
//
// The policy is the same as over TCP: packets that do not parse as a query
// with one whole question, responses and stuffed sections are dropped
// silently (acceptQuery), other opcodes get NOTIMP.
type udpServer struct {
	conn     *net.UDPConn
	handler  *Handler
	fast     *fastPath
	blocking bool // see setBlocking

	closed  atomic.Bool
	stopped chan struct{}  // closed when serve has returned
	wg      sync.WaitGroup // forwarded queries in flight
}

// newUDPServer puts c in blocking mode where it can (see setBlocking).
func newUDPServer(c *net.UDPConn, h *Handler) (*udpServer, error) {
	blocking, err := setBlocking(c)
	if err != nil {
		return nil, fmt.Errorf("resolver socket: %w", err)
	}
	return &udpServer{conn: c, handler: h, fast: newFastPath(h), blocking: blocking, stopped: make(chan struct{})}, nil
}

const (
	// batchSize is the most queries read (and answers sent) per system call.
	batchSize = 32
	// querySlot is the buffer of one received query. Queries are far
	// smaller (a name of at most 255 bytes and an OPT record); a packet
	// that fills the slot may have been cut, and is dropped.
	querySlot = 2048
	// answerSlot is the packing buffer of one answer, which is mostly
	// under 512 bytes and at most the advertised UDP size (1232 by
	// default); larger answers get their own buffer.
	answerSlot = 2048
)

// batchConn is ipv4.PacketConn or ipv6.PacketConn (same Message type).
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

func newBatchConn(c *net.UDPConn) batchConn {
	if a, ok := c.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() == nil {
		return ipv6.NewPacketConn(c)
	}
	return ipv4.NewPacketConn(c)
}

// serve reads and answers queries until close, then closes the socket.
// It returns nil after close, or the read error that stopped it.
func (u *udpServer) serve() error {
	defer close(u.stopped)
	err := u.read(newBatchConn(u.conn))
	u.closed.Store(true)
	if cerr := u.conn.Close(); err == nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	return err
}

// close makes serve return. A read on a blocking socket is not interrupted
// by closing it in Go, so the reader is woken in the kernel: by shutdown(2)
// where that does it (Linux), and by an empty datagram to itself; it then
// sees closed and returns.
func (u *udpServer) close() {
	if !u.closed.CompareAndSwap(false, true) {
		return
	}
	if !u.blocking {
		_ = u.conn.Close()
		return
	}
	interrupt(u.conn)
	_, _ = u.conn.WriteTo(nil, u.conn.LocalAddr())
}

// read is the reader's loop: read a batch, answer each query into the
// batch of answers, send the answers.
func (u *udpServer) read(bc batchConn) error {
	in := make([]ipv4.Message, batchSize)
	qbuf := make([]byte, batchSize*querySlot)
	for i := range in {
		in[i].Buffers = [][]byte{qbuf[i*querySlot : (i+1)*querySlot]}
	}
	w := newBatchWriter(u.conn)
	var req mdns.Msg
	for {
		n, err := bc.ReadBatch(in, readFlags)
		if u.closed.Load() {
			return nil
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		w.out = w.out[:0]
		for i := range in[:n] {
			if m := &in[i]; m.N < querySlot {
				u.packet(m.Buffers[0][:m.N], m.Addr, w, &req)
			}
		}
		w.flush(bc)
	}
}

// packet answers one datagram into w, in line unless it is forwarded
// upstream.
func (u *udpServer) packet(b []byte, from net.Addr, w *udpWriter, req *mdns.Msg) {
	w.to = from
	if m := u.fast.answer(w.slot(), b); m != nil {
		_ = w.send(m)
		return
	}
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
	u.handler.ServeDNS(w, req)
}

// wireHeader reads the header of a packet of at least 12 bytes as it came,
// counts included (Unpack corrects them to what it found).
func wireHeader(b []byte) mdns.Header {
	be := binary.BigEndian
	return mdns.Header{Id: be.Uint16(b), Bits: be.Uint16(b[2:]), Qdcount: be.Uint16(b[4:]),
		Ancount: be.Uint16(b[6:]), Nscount: be.Uint16(b[8:]), Arcount: be.Uint16(b[10:])}
}

// udpWriter is the ResponseWriter of the query from w.to. The reader's
// writer (slots set) queues answers for one sendmmsg per batch and is reused
// from query to query, since the handler is done with it when ServeDNS
// returns; a forwarded query's writer (slots nil) sends at once.
type udpWriter struct {
	conn  *net.UDPConn
	to    net.Addr
	slots []byte         // batchSize packing buffers of answerSlot bytes
	out   []ipv4.Message // answers queued, in the order of the slots
	bufs  [][1][]byte    // out[i].Buffers, allocated once
}

func newBatchWriter(c *net.UDPConn) *udpWriter {
	return &udpWriter{conn: c, slots: make([]byte, batchSize*answerSlot),
		out: make([]ipv4.Message, 0, batchSize), bufs: make([][1][]byte, batchSize)}
}

func (w *udpWriter) LocalAddr() net.Addr  { return w.conn.LocalAddr() }
func (w *udpWriter) RemoteAddr() net.Addr { return w.to }

func (w *udpWriter) WriteMsg(m *mdns.Msg) error {
	b, err := m.PackBuffer(w.slot())
	if err != nil {
		return err
	}
	return w.send(b)
}

// Write sends a packed message (it is copied: the caller keeps b).
func (w *udpWriter) Write(b []byte) (int, error) {
	if s := w.slot(); len(b) <= len(s) {
		b = s[:copy(s, b)]
	}
	return len(b), w.send(b)
}

// slot is the next free packing buffer, or nil when there is none.
func (w *udpWriter) slot() []byte {
	if w.slots == nil || len(w.out) == batchSize {
		return nil
	}
	return w.slots[len(w.out)*answerSlot : (len(w.out)+1)*answerSlot]
}

// send queues b for the batch or, without one, sends it at once.
func (w *udpWriter) send(b []byte) error {
	if w.slots == nil || len(w.out) == batchSize {
		_, err := w.conn.WriteTo(b, w.to)
		return err
	}
	i := len(w.out)
	w.bufs[i][0] = b
	w.out = append(w.out, ipv4.Message{Buffers: w.bufs[i][:], Addr: w.to})
	return nil
}

// flush sends the queued answers. An answer that cannot be sent is
// dropped (the client retries), and the rest still go.
func (w *udpWriter) flush(bc batchConn) {
	if len(w.out) == 1 { // the usual case below saturation: a plain sendto
		_, _ = w.conn.WriteTo(w.out[0].Buffers[0], w.out[0].Addr)
		w.out = w.out[:0]
		return
	}
	for out := w.out; len(out) > 0; {
		n, err := bc.WriteBatch(out, 0)
		if err != nil && n == 0 {
			n = 1
		}
		out = out[n:]
	}
	w.out = w.out[:0]
}

func (w *udpWriter) Close() error        { return nil }
func (w *udpWriter) TsigStatus() error   { return nil }
func (w *udpWriter) TsigTimersOnly(bool) {}
func (w *udpWriter) Hijack()             {}
