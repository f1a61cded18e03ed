package dns

import (
	"bytes"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"
)

// generalAnswer is what the server sends for packet b without the fast
// path: nil when it drops the packet.
func generalAnswer(t testing.TB, h *Handler, b []byte) []byte {
	t.Helper()
	if !valid(b) || acceptQuery(wireHeader(b)) != mdns.MsgAccept {
		return nil
	}
	r := new(mdns.Msg)
	if err := r.Unpack(b); err != nil {
		t.Fatalf("valid packet does not unpack: %v", err)
	}
	w := newRecorder("udp")
	h.ServeDNS(w, r)
	return w.wire
}

// TestFastPathMatchesHandler: for each query the fast path either passes
// (fast false) or answers with exactly the bytes of the general way.
func TestFastPathMatchesHandler(t *testing.T) {
	withBits := func(m *mdns.Msg, f func(*mdns.Msg)) *mdns.Msg { f(m); return m }
	withOption := func(m *mdns.Msg) *mdns.Msg {
		m.IsEdns0().Option = append(m.IsEdns0().Option, &mdns.EDNS0_COOKIE{Code: mdns.EDNS0COOKIE, Cookie: "0123456789abcdef"})
		return m
	}
	ednsV1 := query("a.local.", mdns.TypeA, 1232)
	ednsV1.IsEdns0().SetVersion(1)
	noDO := query("a.local.", mdns.TypeA, 0)
	noDO.SetEdns0(4096, false)

	cfgs := map[string]Config{
		"default": {Domains: []string{"local", "dev.test"}, TTL: 60},
		"no-ipv6": {Domains: []string{"local"}, NoIPv6: true},
	}
	for _, tc := range []struct {
		name string
		cfg  string
		q    *mdns.Msg
		fast bool
	}{
		{"A", "default", query("grafana.local.", mdns.TypeA, 0), true},
		{"AAAA", "default", query("grafana.local.", mdns.TypeAAAA, 0), true},
		{"A EDNS DO", "default", query("n8n.local.", mdns.TypeA, 1232), true},
		{"A EDNS no DO, large size", "default", noDO, true},
		{"0x20 case", "default", query("GrAfAnA.LoCaL.", mdns.TypeAAAA, 512), true},
		{"deep name, second zone", "default", query("a-b.c_d.x.Dev.Test.", mdns.TypeA, 0), true},
		{"apex A", "default", query("local.", mdns.TypeA, 0), true},
		{"long name, fits 512", "default", query(strings.Repeat(strings.Repeat("x", 60)+".", 3)+"local.", mdns.TypeA, 0), true},
		{"long name, over 512 uncompressed", "default", query(strings.Repeat(strings.Repeat("x", 60)+".", 4)+"local.", mdns.TypeAAAA, 0), false},
		{"RD and CD copied", "default", withBits(query("a.local.", mdns.TypeA, 0), func(m *mdns.Msg) {
			m.RecursionDesired, m.CheckingDisabled = true, true
		}), true},
		{"AD, Z, AA and TC of the query dropped", "default", withBits(query("a.local.", mdns.TypeA, 0), func(m *mdns.Msg) {
			m.AuthenticatedData, m.Zero, m.Authoritative, m.Truncated = true, true, true, true
		}), true},
		{"AAAA without IPv6: NODATA", "no-ipv6", query("a.local.", mdns.TypeAAAA, 0), false},
		{"A without IPv6", "no-ipv6", query("a.local.", mdns.TypeA, 0), true},
		{"out of zone", "default", query("example.com.", mdns.TypeA, 0), false},
		{"suffix not at a label", "default", query("xlocal.", mdns.TypeA, 0), false},
		{"other type", "default", query("a.local.", mdns.TypeMX, 0), false},
		{"ANY", "default", query("a.local.", mdns.TypeANY, 0), false},
		{"class ANY", "default", withBits(query("a.local.", mdns.TypeA, 0), func(m *mdns.Msg) { m.Question[0].Qclass = mdns.ClassANY }), false},
		{"escaped label", "default", query(`a\.b.local.`, mdns.TypeA, 0), false},
		{"EDNS option", "default", withOption(query("a.local.", mdns.TypeA, 1232)), false},
		{"EDNS version 1", "default", ednsV1, false},
		{"response", "default", withBits(query("a.local.", mdns.TypeA, 0), func(m *mdns.Msg) { m.Response = true }), false},
		{"opcode", "default", withBits(query("a.local.", mdns.TypeA, 0), func(m *mdns.Msg) { m.Opcode = mdns.OpcodeNotify }), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHandler(cfgs[tc.cfg], nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := tc.q.Pack()
			if err != nil {
				t.Fatal(err)
			}
			got := newFastPath(h).answer(make([]byte, 0, 512), b)
			if (got != nil) != tc.fast {
				t.Fatalf("fast path taken: %v, want %v", got != nil, tc.fast)
			}
			if got == nil {
				return
			}
			if want := generalAnswer(t, h, b); !bytes.Equal(got, want) {
				t.Fatalf("fast answer\n% x\nwant (general)\n% x", got, want)
			}
		})
	}
}

// FuzzFastPath: whatever the packet, when the fast path answers, its bytes
// are the general way's. Run with
// go test -fuzz=FuzzFastPath ./internal/dns.
func FuzzFastPath(f *testing.F) {
	h := seedFuzz(f,
		query("grafana.local.", mdns.TypeA, 0),
		query("GRAFANA.Local.", mdns.TypeAAAA, 1232),
		query("a.b.test.", mdns.TypeA, 512),
		query("local.", mdns.TypeSOA, 0),
	)
	fp := newFastPath(h)
	f.Fuzz(func(t *testing.T, b []byte) {
		got := fp.answer(make([]byte, 0, 512), b)
		if got == nil {
			return
		}
		if want := generalAnswer(t, h, b); !bytes.Equal(got, want) {
			t.Fatalf("fast answer\n% x\nwant (general)\n% x", got, want)
		}
	})
}
