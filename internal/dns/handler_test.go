package dns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"
)

// want describes an expected answer compactly: rcode, flags, and the
// records of each section rendered as "name type rdata".
type want struct {
	rcode  int
	aa, tc bool
	answer []string
	ns     []string // record types only, e.g. "SOA local."
	opt    int      // advertised UDP size of the response's OPT; 0: no OPT
}

func rrs(rrs []mdns.RR) []string {
	var out []string
	for _, rr := range rrs {
		h := rr.Header()
		s := fmt.Sprintf("%s %s", h.Name, mdns.TypeToString[h.Rrtype])
		switch v := rr.(type) {
		case *mdns.A:
			s += " " + v.A.String()
		case *mdns.AAAA:
			s += " " + v.AAAA.String()
		case *mdns.NS:
			s += " " + v.Ns
		case *mdns.TXT:
			s += fmt.Sprintf(" %d", len(v.Txt))
		}
		out = append(out, s)
	}
	return out
}

func query(name string, qtype uint16, edns uint16) *mdns.Msg {
	m := new(mdns.Msg)
	m.SetQuestion(name, qtype)
	m.Id = 4242
	if edns > 0 {
		m.SetEdns0(edns, true)
	}
	return m
}

// bigUpstream answers every query with a TXT record set of about 3 KB, to
// exercise truncation.
type bigUpstream struct{ err error }

func (b bigUpstream) Exchange(_ context.Context, m *mdns.Msg) (*mdns.Msg, error) {
	if b.err != nil {
		return nil, b.err
	}
	r := new(mdns.Msg)
	r.SetReply(m)
	r.RecursionAvailable = true
	for i := range 12 {
		r.Answer = append(r.Answer, &mdns.TXT{
			Hdr: mdns.RR_Header{Name: m.Question[0].Name, Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: 60},
			Txt: []string{fmt.Sprintf("%02d-%s", i, strings.Repeat("x", 240))},
		})
	}
	r.SetEdns0(4096, false)
	return r, nil
}

func TestHandler(t *testing.T) {
	t.Parallel()
	soa := []string{"local. SOA"}
	cases := []struct {
		name    string
		cfg     Config
		fwd     Exchanger
		q       *mdns.Msg
		network string
		want    want
	}{
		{name: "A", q: query("grafana.local.", mdns.TypeA, 0),
			want: want{aa: true, answer: []string{"grafana.local. A 127.0.0.1"}}},
		{name: "AAAA", q: query("grafana.local.", mdns.TypeAAAA, 0),
			want: want{aa: true, answer: []string{"grafana.local. AAAA ::1"}}},
		{name: "AAAA NODATA when IPv6 is off", cfg: Config{NoIPv6: true}, q: query("grafana.local.", mdns.TypeAAAA, 0),
			want: want{aa: true, ns: soa}},
		{name: "MX is NODATA with SOA", q: query("grafana.local.", mdns.TypeMX, 0),
			want: want{aa: true, ns: soa}},
		{name: "TXT is NODATA with SOA", q: query("n8n.local.", mdns.TypeTXT, 0),
			want: want{aa: true, ns: soa}},
		{name: "SOA at the apex", q: query("local.", mdns.TypeSOA, 0),
			want: want{aa: true, answer: []string{"local. SOA"}}},
		{name: "SOA below the apex is NODATA", q: query("a.local.", mdns.TypeSOA, 0),
			want: want{aa: true, ns: soa}},
		{name: "NS at the apex", q: query("local.", mdns.TypeNS, 0),
			want: want{aa: true, answer: []string{"local. NS ns.devstack.local."}}},
		{name: "A at the apex", q: query("local.", mdns.TypeA, 0),
			want: want{aa: true, answer: []string{"local. A 127.0.0.1"}}},
		{name: "ANY", q: query("x.local.", mdns.TypeANY, 0),
			want: want{aa: true, answer: []string{"x.local. A 127.0.0.1", "x.local. AAAA ::1"}}},
		{name: "mixed case keeps the question's spelling", q: query("GraFana.LOCAL.", mdns.TypeA, 0),
			want: want{aa: true, answer: []string{"GraFana.LOCAL. A 127.0.0.1"}}},
		{name: "deep name", q: query("a.b.c.d.e.f.g.local.", mdns.TypeA, 0),
			want: want{aa: true, answer: []string{"a.b.c.d.e.f.g.local. A 127.0.0.1"}}},
		{name: "another configured domain", cfg: Config{Domains: []string{"local", "Test."}},
			q:    query("app.test.", mdns.TypeMX, 0),
			want: want{aa: true, ns: []string{"test. SOA"}}},
		{name: "most specific zone wins", cfg: Config{Domains: []string{"local", "dev.local"}},
			q:    query("x.dev.local.", mdns.TypeTXT, 0),
			want: want{aa: true, ns: []string{"dev.local. SOA"}}},
		{name: "out of zone is REFUSED", q: query("example.com.", mdns.TypeA, 0),
			want: want{rcode: mdns.RcodeRefused}},
		{name: "suffix that is not a label boundary is out of zone", q: query("notlocal.", mdns.TypeA, 0),
			want: want{rcode: mdns.RcodeRefused}},
		{name: "root is out of zone", q: query(".", mdns.TypeNS, 0),
			want: want{rcode: mdns.RcodeRefused}},
		{name: "CHAOS class is refused", q: func() *mdns.Msg {
			m := query("version.local.", mdns.TypeTXT, 0)
			m.Question[0].Qclass = mdns.ClassCHAOS
			return m
		}(), want: want{rcode: mdns.RcodeRefused}},
		{name: "EDNS echoed with our cap", q: query("grafana.local.", mdns.TypeA, 4096),
			want: want{aa: true, answer: []string{"grafana.local. A 127.0.0.1"}, opt: DefaultMaxUDPSize}},
		{name: "EDNS on a NODATA answer", q: query("grafana.local.", mdns.TypeMX, 512),
			want: want{aa: true, ns: soa, opt: DefaultMaxUDPSize}},
		{name: "unknown EDNS version is BADVERS", q: func() *mdns.Msg {
			m := query("grafana.local.", mdns.TypeA, 1232)
			m.IsEdns0().SetVersion(1)
			return m
		}(), want: want{rcode: mdns.RcodeBadVers, opt: DefaultMaxUDPSize}},
		{name: "forwarded out of zone, truncated over UDP without EDNS",
			cfg: Config{Forward: []string{"192.0.2.1:53"}}, fwd: bigUpstream{},
			q:    query("example.com.", mdns.TypeTXT, 0),
			want: want{tc: true, answer: slices.Repeat([]string{"example.com. TXT 1"}, 1)}},
		{name: "forwarded, truncated to the EDNS size",
			cfg: Config{Forward: []string{"192.0.2.1:53"}}, fwd: bigUpstream{},
			q:    query("example.com.", mdns.TypeTXT, 1232),
			want: want{tc: true, answer: slices.Repeat([]string{"example.com. TXT 1"}, 4), opt: DefaultMaxUDPSize}},
		{name: "forwarded over TCP is whole",
			cfg: Config{Forward: []string{"192.0.2.1:53"}}, fwd: bigUpstream{}, network: "tcp",
			q:    query("example.com.", mdns.TypeTXT, 0),
			want: want{answer: slices.Repeat([]string{"example.com. TXT 1"}, 12)}},
		{name: "upstream failure is SERVFAIL",
			cfg: Config{Forward: []string{"192.0.2.1:53"}}, fwd: bigUpstream{err: errors.New("down")},
			q:    query("example.com.", mdns.TypeA, 0),
			want: want{rcode: mdns.RcodeServerFailure}},
		{name: "no question is FORMERR", q: &mdns.Msg{MsgHdr: mdns.MsgHdr{Id: 7}},
			want: want{rcode: mdns.RcodeFormatError}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := NewHandler(tc.cfg, tc.fwd)
			if err != nil {
				t.Fatal(err)
			}
			w := newRecorder(tc.network)
			h.ServeDNS(w, tc.q)
			if w.writes != 1 {
				t.Fatalf("handler wrote %d answers, want 1", w.writes)
			}
			got := w.msg
			if got.Id != tc.q.Id || !got.Response {
				t.Errorf("id %d response %v, want id %d and QR set", got.Id, got.Response, tc.q.Id)
			}
			if got.Rcode != tc.want.rcode {
				t.Errorf("rcode %s, want %s", mdns.RcodeToString[got.Rcode], mdns.RcodeToString[tc.want.rcode])
			}
			if got.Authoritative != tc.want.aa || got.Truncated != tc.want.tc {
				t.Errorf("AA %v TC %v, want AA %v TC %v", got.Authoritative, got.Truncated, tc.want.aa, tc.want.tc)
			}
			if a := rrs(got.Answer); !slices.Equal(a, tc.want.answer) {
				t.Errorf("answer %q, want %q", a, tc.want.answer)
			}
			var ns []string
			for _, rr := range got.Ns {
				ns = append(ns, rr.Header().Name+" "+mdns.TypeToString[rr.Header().Rrtype])
			}
			if !slices.Equal(ns, tc.want.ns) {
				t.Errorf("authority %q, want %q", ns, tc.want.ns)
			}
			opt := got.IsEdns0()
			switch {
			case tc.want.opt == 0 && opt != nil:
				t.Errorf("unexpected OPT in the answer")
			case tc.want.opt != 0 && opt == nil:
				t.Errorf("no OPT in the answer, want UDP size %d", tc.want.opt)
			case opt != nil && int(opt.UDPSize()) != tc.want.opt:
				t.Errorf("OPT UDP size %d, want %d", opt.UDPSize(), tc.want.opt)
			case opt != nil && opt.Do() != tc.q.IsEdns0().Do():
				t.Errorf("DO bit not echoed")
			}
			limit := mdns.MinMsgSize
			if o := tc.q.IsEdns0(); o != nil {
				limit = int(min(o.UDPSize(), DefaultMaxUDPSize))
			}
			if tc.network != "tcp" && len(w.wire) > limit {
				t.Errorf("UDP answer of %d bytes exceeds %d", len(w.wire), limit)
			}
			for _, rr := range got.Answer {
				if rr.Header().Rrtype == mdns.TypeA && rr.Header().Ttl != DefaultTTL {
					t.Errorf("TTL %d, want %d", rr.Header().Ttl, DefaultTTL)
				}
			}
		})
	}
}

func TestHandlerNeverNXDOMAINInZone(t *testing.T) {
	t.Parallel()
	h, err := NewHandler(Config{Domains: []string{"local", "test"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"local.", "test.", "a.local.", "x.y.z.test.", "_srv._tcp.local.", "*.local.", "xn--bcher-kva.test."} {
		for qt := range mdns.TypeToString {
			w := newRecorder("udp")
			h.ServeDNS(w, query(name, qt, 0))
			if w.msg.Rcode != mdns.RcodeSuccess {
				t.Errorf("%s %s: rcode %s, want NOERROR", name, mdns.TypeToString[qt], mdns.RcodeToString[w.msg.Rcode])
			}
			if !w.msg.Authoritative {
				t.Errorf("%s %s: AA not set", name, mdns.TypeToString[qt])
			}
		}
	}
}

func TestConfigNormalize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		cfg     Config
		wantErr string
		check   func(Config) bool
	}{
		{name: "defaults", check: func(c Config) bool {
			return c.Addr == DefaultAddr && slices.Equal(c.Domains, []string{"local"}) && c.TTL == DefaultTTL && c.IPv6.String() == "::1"
		}},
		{name: "domains canonical and deduplicated", cfg: Config{Domains: []string{"Local.", "local", "TEST"}},
			check: func(c Config) bool { return slices.Equal(c.Domains, []string{"local", "test"}) }},
		{name: "localhost means 127.0.0.1", cfg: Config{Addr: "localhost:0"},
			check: func(c Config) bool { return c.Addr == "127.0.0.1:0" }},
		{name: "IPv6 loopback", cfg: Config{Addr: "[::1]:53"},
			check: func(c Config) bool { return c.Addr == "[::1]:53" }},
		{name: "non-loopback refused", cfg: Config{Addr: "0.0.0.0:15353"}, wantErr: "loopback only"},
		{name: "LAN address refused", cfg: Config{Addr: "192.168.1.2:15353"}, wantErr: "loopback only"},
		{name: "no port", cfg: Config{Addr: "127.0.0.1"}, wantErr: "missing port"},
		{name: "empty domain", cfg: Config{Domains: []string{"."}}, wantErr: "root zone"},
		{name: "bad domain", cfg: Config{Domains: []string{"a..b"}}, wantErr: "not a valid"},
		{name: "bad upstream", cfg: Config{Forward: []string{"1.1.1.1"}}, wantErr: "host:port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.cfg.Normalize()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(got) {
				t.Errorf("normalised config %+v fails the check", got)
			}
		})
	}
}
