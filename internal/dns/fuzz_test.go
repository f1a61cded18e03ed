package dns

import (
	"testing"

	mdns "github.com/miekg/dns"
)

// FuzzHandler feeds arbitrary packets through the same path as the server
// (the validity filter, then the handler) and checks the invariants that
// must hold for any input: no panic, at most one answer, an answer that
// packs, fits the UDP limit, and is never NXDOMAIN.
// Seeds are in testdata/fuzz/FuzzHandler; run with
// go test -fuzz=FuzzHandler ./internal/dns.
func FuzzHandler(f *testing.F) {
	h := seedFuzz(f,
		query("grafana.local.", mdns.TypeA, 0),
		query("GRAFANA.Local.", mdns.TypeAAAA, 1232),
		query("local.", mdns.TypeSOA, 4096),
		query("a.b.c.test.", mdns.TypeANY, 512),
		query("example.com.", mdns.TypeMX, 0),
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		if !valid(b) {
			return // the server drops it before the handler
		}
		r := new(mdns.Msg)
		if err := r.Unpack(b); err != nil {
			t.Fatalf("valid packet does not unpack: %v", err)
		}
		for _, network := range []string{"udp", "tcp"} {
			w := newRecorder(network)
			h.ServeDNS(w, r)
			if w.writes != 1 {
				t.Fatalf("%s: %d answers written, want 1 (pack error?)", network, w.writes)
			}
			if w.msg.Rcode == mdns.RcodeNameError {
				t.Fatalf("%s: NXDOMAIN", network)
			}
			if w.msg.Id != r.Id || !w.msg.Response {
				t.Fatalf("%s: answer id %d QR %v for query %d", network, w.msg.Id, w.msg.Response, r.Id)
			}
			if network == "udp" {
				limit := mdns.MinMsgSize
				if o := r.IsEdns0(); o != nil {
					limit = max(mdns.MinMsgSize, int(min(o.UDPSize(), DefaultMaxUDPSize)))
				}
				if len(w.wire) > limit {
					t.Fatalf("UDP answer of %d bytes over the %d limit", len(w.wire), limit)
				}
			}
			q := r.Question[0]
			if z := h.match(q.Name); z != nil && !r.Response && r.Opcode == mdns.OpcodeQuery &&
				(q.Qclass == mdns.ClassINET || q.Qclass == mdns.ClassANY) && w.msg.Rcode == mdns.RcodeSuccess && !w.msg.Authoritative {
				t.Fatalf("in-zone answer without AA")
			}
		}
	})
}

// seedFuzz adds the packed queries to f's corpus and returns the handler
// the fuzz targets exercise: zones local and test, no forwarding.
func seedFuzz(f *testing.F, queries ...*mdns.Msg) *Handler {
	f.Helper()
	for _, q := range queries {
		b, err := q.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	h, err := NewHandler(Config{Domains: []string{"local", "test"}}, nil)
	if err != nil {
		f.Fatal(err)
	}
	return h
}
