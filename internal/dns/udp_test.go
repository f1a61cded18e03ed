package dns

import (
	"context"
	"net"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// TestUDPBurst sends more queries than one batch holds before reading any
// answer: every one is answered, each with its own ID and question.
func TestUDPBurst(t *testing.T) {
	s := startServer(t, Config{})
	conn, err := net.Dial("udp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const n = 3*batchSize + 5
	names := []string{"a.local.", "grafana.local.", "x.y.local."}
	for i := range n {
		q := query(names[i%len(names)], mdns.TypeA, 1232)
		q.Id = uint16(1000 + i)
		b, err := q.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[uint16]bool{}
	buf := make([]byte, 2048)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(seen) < n {
		k, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("%d of %d answers: %v", len(seen), n, err)
		}
		var r mdns.Msg
		if err := r.Unpack(buf[:k]); err != nil {
			t.Fatal(err)
		}
		i := int(r.Id) - 1000
		if i < 0 || i >= n || seen[r.Id] {
			t.Fatalf("unexpected or repeated answer id %d", r.Id)
		}
		seen[r.Id] = true
		if got := rrs(r.Answer); len(got) != 1 || got[0] != names[i%len(names)]+" A 127.0.0.1" || r.IsEdns0() == nil {
			t.Fatalf("answer %d: %q, OPT %v", i, got, r.IsEdns0())
		}
	}
}

// TestUDPPolicy: other opcodes get NOTIMP (the header only, as miekg/dns
// answers over TCP), and a packet too large for the reader's slot is
// dropped, not answered from a cut copy.
func TestUDPPolicy(t *testing.T) {
	s := startServer(t, Config{})
	c := &mdns.Client{Net: "udp", Timeout: 500 * time.Millisecond}

	status := query("a.local.", mdns.TypeA, 0)
	status.Opcode = mdns.OpcodeStatus
	r, _, err := c.Exchange(status, s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if r.Rcode != mdns.RcodeNotImplemented || r.Id != status.Id || r.Opcode != mdns.OpcodeStatus || len(r.Question) != 0 {
		t.Errorf("STATUS query: rcode %s id %d opcode %d questions %d, want NOTIMP, same id and opcode, header only",
			mdns.RcodeToString[r.Rcode], r.Id, r.Opcode, len(r.Question))
	}

	big := query("a.local.", mdns.TypeA, 4096)
	big.IsEdns0().Option = append(big.IsEdns0().Option, &mdns.EDNS0_PADDING{Padding: make([]byte, querySlot)})
	c.UDPSize = 4096
	if r, _, err := c.Exchange(big, s.Addr()); err == nil {
		t.Errorf("a %d-byte query was answered (rcode %s)", big.Len(), mdns.RcodeToString[r.Rcode])
	}
	if _, _, err := c.Exchange(query("a.local.", mdns.TypeA, 0), s.Addr()); err != nil {
		t.Fatalf("no answer after the large packet: %v", err)
	}
}

// TestShutdownReleasesPorts: after Shutdown, whose blocked UDP reader and
// TCP acceptor must be woken to let go, both ports can be bound again.
func TestShutdownReleasesPorts(t *testing.T) {
	s, err := NewServer(Config{Addr: "127.0.0.1:0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	addrs := s.Addrs()
	time.Sleep(50 * time.Millisecond) // let the reader and acceptor block
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
	for _, a := range addrs {
		pc, err := net.ListenPacket("udp", a)
		if err != nil {
			t.Errorf("UDP %s still bound: %v", a, err)
		} else {
			pc.Close()
		}
		l, err := net.Listen("tcp", a)
		if err != nil {
			t.Errorf("TCP %s still bound: %v", a, err)
		} else {
			l.Close()
		}
	}
}
