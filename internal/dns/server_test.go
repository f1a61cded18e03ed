package dns

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// startServer runs a Server on a free loopback port for the test's life.
func startServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := NewServer(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

func TestServerUDPAndTCP(t *testing.T) {
	s := startServer(t, Config{})
	for _, addr := range s.Addrs() {
		for _, network := range []string{"udp", "tcp"} {
			c := &mdns.Client{Net: network, Timeout: 2 * time.Second}
			r, _, err := c.Exchange(query("Grafana.local.", mdns.TypeA, 0), addr)
			if err != nil {
				t.Fatalf("%s %s: %v", network, addr, err)
			}
			if got := rrs(r.Answer); len(got) != 1 || got[0] != "Grafana.local. A 127.0.0.1" || !r.Authoritative {
				t.Errorf("%s %s: answer %q AA %v", network, addr, got, r.Authoritative)
			}
			r, _, err = c.Exchange(query("example.com.", mdns.TypeA, 0), addr)
			if err != nil || r.Rcode != mdns.RcodeRefused {
				t.Errorf("%s %s: out of zone got %v %v, want REFUSED", network, addr, r, err)
			}
		}
	}
	for _, a := range s.Addrs() {
		host, _, _ := net.SplitHostPort(a)
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			t.Errorf("listening on %s, which is not loopback", a)
		}
	}
}

// TestServerTruncatedRetriedOverTCP forwards to an upstream whose answer
// is too large for UDP: the client sees TC over UDP and the whole answer
// over TCP, the way stub resolvers retry.
func TestServerTruncatedRetriedOverTCP(t *testing.T) {
	upstream := startUpstream(t)
	s := startServer(t, Config{Forward: []string{upstream}})
	udp := &mdns.Client{Net: "udp", Timeout: 3 * time.Second}
	r, _, err := udp.Exchange(query("big.example.", mdns.TypeTXT, 1232), s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Truncated || len(r.Answer) >= 12 {
		t.Fatalf("UDP answer TC=%v with %d records, want truncated", r.Truncated, len(r.Answer))
	}
	tcp := &mdns.Client{Net: "tcp", Timeout: 3 * time.Second}
	r, _, err = tcp.Exchange(query("big.example.", mdns.TypeTXT, 1232), s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if r.Truncated || len(r.Answer) != 12 {
		t.Fatalf("TCP answer TC=%v with %d records, want all 12", r.Truncated, len(r.Answer))
	}
}

// TestServerDropsGarbage sends malformed packets and responses: none gets
// an answer, and the server still answers a real query afterwards.
func TestServerDropsGarbage(t *testing.T) {
	s := startServer(t, Config{})
	conn, err := net.Dial("udp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp := query("a.local.", mdns.TypeA, 0)
	resp.Response = true
	respWire, _ := resp.Pack()
	good, _ := query("a.local.", mdns.TypeA, 0).Pack()
	garbage := [][]byte{
		{0x01},
		[]byte(strings.Repeat("\xff", 12)),
		append(append([]byte{}, good[:12]...), 0x3f, 'x'), // a label running past the end
		good[:len(good)-2], // question cut short
		respWire,           // a response: never answered
	}
	for _, g := range garbage {
		if _, err := conn.Write(g); err != nil {
			t.Fatal(err)
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 2048)
	if n, err := conn.Read(buf); err == nil {
		t.Fatalf("got a %d-byte answer to garbage", n)
	}
	// Still alive, over UDP and over TCP (a bad TCP message only closes its connection).
	tc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = tc.Write([]byte{0, 3, 0xff, 0xff, 0xff})
	_ = tc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := tc.Read(buf); err == nil {
		t.Errorf("got %d bytes over TCP for garbage, want the connection closed", n)
	}
	tc.Close()
	c := &mdns.Client{Timeout: 2 * time.Second}
	if r, _, err := c.Exchange(query("a.local.", mdns.TypeA, 0), s.Addr()); err != nil || len(r.Answer) != 1 {
		t.Fatalf("server did not answer after garbage: %v %v", r, err)
	}
}

func TestServerRefusesNonLoopback(t *testing.T) {
	if _, err := NewServer(Config{Addr: "0.0.0.0:0"}, nil); err == nil {
		t.Fatal("NewServer accepted a non-loopback address")
	}
}

func TestServeStopsOnCancel(t *testing.T) {
	s, err := NewServer(Config{Addr: "127.0.0.1:0"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for s.Addr() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	addr := s.Addr()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("still accepting TCP on %s after shutdown", addr)
	}
}

// startUpstream runs a plain miekg server on UDP and TCP that answers every
// query with bigUpstream's 3 KB of TXT, truncating over UDP like any real
// resolver would.
func startUpstream(t *testing.T) string {
	t.Helper()
	h := mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		m, _ := bigUpstream{}.Exchange(context.Background(), r)
		if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
			size := mdns.MinMsgSize
			if o := r.IsEdns0(); o != nil {
				size = int(o.UDPSize())
			}
			m.Truncate(size)
		}
		_ = w.WriteMsg(m)
	})
	pc, l, err := bindPair(context.Background(), "127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, srv := range []*mdns.Server{{PacketConn: pc, Handler: h}, {Listener: l, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}
