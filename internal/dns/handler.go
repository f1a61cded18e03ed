package dns

import (
	"context"
	"net"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
)

// Exchanger sends a query to an upstream resolver (forwarding is optional).
type Exchanger interface {
	Exchange(ctx context.Context, m *mdns.Msg) (*mdns.Msg, error)
}

// zone is one authoritative domain with its precomputed apex records.
type zone struct {
	name string // canonical FQDN, lower case: "local."
	soa  *mdns.SOA
	ns   *mdns.NS
}

// Handler answers queries for its zones. It is safe for concurrent use and
// holds no per-query state.
type Handler struct {
	zones  []zone // longest name first, so the most specific zone wins
	ttl    uint32
	a      net.IP
	aaaa   net.IP // nil: AAAA is NODATA
	maxUDP uint16
	fwd    Exchanger // nil: out-of-zone queries are REFUSED
}

// NewHandler returns a Handler for a config (normalised here) and an
// optional forwarder for out-of-zone names.
func NewHandler(cfg Config, fwd Exchanger) (*Handler, error) {
	cfg, err := cfg.Normalize()
	if err != nil {
		return nil, err
	}
	h := &Handler{ttl: cfg.TTL, a: cfg.IPv4.AsSlice(), maxUDP: cfg.MaxUDPSize, fwd: fwd}
	if cfg.IPv6.IsValid() {
		h.aaaa = cfg.IPv6.AsSlice()
	}
	for _, d := range cfg.Domains {
		h.zones = append(h.zones, newZone(mdns.Fqdn(d), cfg.TTL))
	}
	// Longest first: with "local" and "dev.local", dev.local's SOA is the
	// one that names under it carry.
	for i := 1; i < len(h.zones); i++ {
		for j := i; j > 0 && len(h.zones[j].name) > len(h.zones[j-1].name); j-- {
			h.zones[j], h.zones[j-1] = h.zones[j-1], h.zones[j]
		}
	}
	return h, nil
}

func newZone(name string, ttl uint32) zone {
	ns := "ns.devstack." + name
	hdr := func(t uint16) mdns.RR_Header {
		return mdns.RR_Header{Name: name, Rrtype: t, Class: mdns.ClassINET, Ttl: ttl}
	}
	return zone{
		name: name,
		soa: &mdns.SOA{Hdr: hdr(mdns.TypeSOA), Ns: ns, Mbox: "hostmaster.devstack." + name,
			Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: ttl},
		ns: &mdns.NS{Hdr: hdr(mdns.TypeNS), Ns: ns},
	}
}

// match returns the zone that holds name (any case), or nil.
func (h *Handler) match(name string) *zone {
	for i := range h.zones {
		z := &h.zones[i]
		if len(name) < len(z.name) {
			continue
		}
		suffix := name[len(name)-len(z.name):]
		if !strings.EqualFold(suffix, z.name) {
			continue
		}
		// The suffix must start at a label boundary: "xlocal." is not in "local.".
		if len(name) == len(z.name) || name[len(name)-len(z.name)-1] == '.' {
			return z
		}
	}
	return nil
}

// ServeDNS implements dns.Handler.
func (h *Handler) ServeDNS(w mdns.ResponseWriter, r *mdns.Msg) {
	if r.Response || len(r.Question) != 1 || r.Opcode != mdns.OpcodeQuery {
		h.reply(w, r, rcode(r, mdns.RcodeFormatError))
		return
	}
	if opt := r.IsEdns0(); opt != nil && opt.Version() != 0 {
		// RFC 6891 6.1.3: unknown EDNS version.
		h.reply(w, r, rcode(r, mdns.RcodeBadVers))
		return
	}
	q := r.Question[0]
	z := h.match(q.Name)
	if z == nil {
		if h.fwd == nil {
			h.reply(w, r, rcode(r, mdns.RcodeRefused))
			return
		}
		h.reply(w, r, h.forward(r))
		return
	}
	if q.Qclass != mdns.ClassINET && q.Qclass != mdns.ClassANY {
		h.reply(w, r, rcode(r, mdns.RcodeRefused))
		return
	}
	m := new(mdns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	apex := len(q.Name) == len(z.name)
	hdr := mdns.RR_Header{Name: q.Name, Class: mdns.ClassINET, Ttl: h.ttl}
	switch q.Qtype {
	case mdns.TypeA:
		m.Answer = append(m.Answer, h.rrA(hdr))
	case mdns.TypeAAAA:
		if h.aaaa != nil {
			m.Answer = append(m.Answer, h.rrAAAA(hdr))
		}
	case mdns.TypeANY:
		// RFC 8482 allows a subset; the addresses are what callers want.
		m.Answer = append(m.Answer, h.rrA(hdr))
		if h.aaaa != nil {
			m.Answer = append(m.Answer, h.rrAAAA(hdr))
		}
	case mdns.TypeSOA:
		if apex {
			m.Answer = append(m.Answer, withName(z.soa, q.Name))
		}
	case mdns.TypeNS:
		if apex {
			m.Answer = append(m.Answer, withName(z.ns, q.Name))
		}
	}
	if len(m.Answer) == 0 {
		// NODATA (RFC 2308): NOERROR, empty answer, SOA for negative caching.
		// Never NXDOMAIN: every name in the zone exists (RFC 8020).
		m.Ns = append(m.Ns, z.soa)
	}
	h.reply(w, r, m)
}

func (h *Handler) rrA(hdr mdns.RR_Header) mdns.RR {
	hdr.Rrtype = mdns.TypeA
	return &mdns.A{Hdr: hdr, A: h.a}
}

func (h *Handler) rrAAAA(hdr mdns.RR_Header) mdns.RR {
	hdr.Rrtype = mdns.TypeAAAA
	return &mdns.AAAA{Hdr: hdr, AAAA: h.aaaa}
}

// withName returns a copy of an apex record owned by the question's
// spelling of the name (resolvers using 0x20 case randomisation check it).
func withName(rr mdns.RR, name string) mdns.RR {
	c := mdns.Copy(rr)
	c.Header().Name = name
	return c
}

func rcode(r *mdns.Msg, code int) *mdns.Msg {
	m := new(mdns.Msg)
	m.SetRcode(r, code)
	return m
}

// forward asks the upstreams; SERVFAIL when none answers.
func (h *Handler) forward(r *mdns.Msg) *mdns.Msg {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	q := r.Copy()
	q.Extra = nil
	q.SetEdns0(h.maxUDP, false)
	resp, err := h.fwd.Exchange(ctx, q)
	if err != nil || resp == nil {
		return rcode(r, mdns.RcodeServerFailure)
	}
	resp.Id = r.Id
	resp.Authoritative = false
	// The upstream's OPT is for us; the client gets ours (or none).
	extra := resp.Extra[:0]
	for _, rr := range resp.Extra {
		if rr.Header().Rrtype != mdns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	resp.Extra = extra
	return resp
}

// reply adds the EDNS0 echo and fits the answer to the transport: over
// UDP, to the client's advertised size capped by ours (512 without EDNS),
// setting TC when records had to go so the client retries over TCP.
func (h *Handler) reply(w mdns.ResponseWriter, r, m *mdns.Msg) {
	limit := mdns.MaxMsgSize
	udp := isUDP(w)
	if opt := r.IsEdns0(); opt != nil {
		size := opt.UDPSize()
		if size > h.maxUDP {
			size = h.maxUDP
		}
		if size < mdns.MinMsgSize {
			size = mdns.MinMsgSize
		}
		o := &mdns.OPT{Hdr: mdns.RR_Header{Name: ".", Rrtype: mdns.TypeOPT}}
		o.SetUDPSize(h.maxUDP)
		o.SetDo(opt.Do())
		if m.Rcode > 0xF {
			o.SetExtendedRcode(uint16(m.Rcode))
		}
		m.Extra = append(m.Extra, o)
		if udp {
			limit = int(size)
		}
	} else if udp {
		limit = mdns.MinMsgSize
	}
	m.Compress = true
	if udp {
		m.Truncate(limit)
	}
	_ = w.WriteMsg(m) // the client is gone or will retry; nothing to do
}

func isUDP(w mdns.ResponseWriter) bool {
	switch w.RemoteAddr().(type) {
	case *net.TCPAddr:
		return false
	case nil:
		return true
	}
	return w.RemoteAddr().Network() != "tcp"
}
