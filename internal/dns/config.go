package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	mdns "github.com/miekg/dns"
)

// Defaults. The port is neither 53 (needs root, often taken) nor 5353
// (mDNS).
const (
	DefaultPort       = 15353
	DefaultAddr       = "127.0.0.1:15353"
	DefaultDomain     = "local"
	DefaultTTL        = 30
	DefaultMaxUDPSize = 1232 // DNS Flag Day 2020: no IP fragmentation
)

// Config is what the resolver answers and where it listens. The zero value
// is completed by Normalize with the defaults above.
type Config struct {
	// Addr is a loopback host:port. With host 127.0.0.1 (or localhost) the
	// server also listens on ::1 when the machine has it.
	Addr string `json:"addr"`
	// Domains are the zones answered authoritatively, without trailing dot.
	Domains []string `json:"domains"`
	// IPv4 answers A queries; IPv6 answers AAAA queries, or when invalid
	// (NoIPv6) AAAA gets NODATA.
	IPv4 netip.Addr `json:"ipv4"`
	IPv6 netip.Addr `json:"ipv6"`
	// NoIPv6 makes AAAA queries NODATA instead of ::1.
	NoIPv6 bool `json:"noIPv6,omitempty"`
	// TTL of answers and of negative answers (SOA minimum), in seconds.
	TTL uint32 `json:"ttl"`
	// Forward lists upstream host:port resolvers for names outside the
	// zones; empty means such queries are REFUSED.
	Forward []string `json:"forward,omitempty"`
	// MaxUDPSize caps the EDNS0 UDP payload size advertised and used.
	MaxUDPSize uint16 `json:"maxUDPSize"`
}

// Normalize fills defaults, canonicalises domains (lower case, no trailing
// dot, deduplicated) and rejects what would be unsafe or unanswerable: a
// non-loopback address above all, since this must never be an open resolver.
func (c Config) Normalize() (Config, error) {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return c, fmt.Errorf("resolver address %q: %w", c.Addr, err)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return c, fmt.Errorf("resolver address %q: the resolver listens on loopback only (127.0.0.1 or ::1)", c.Addr)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return c, fmt.Errorf("resolver address %q: bad port", c.Addr)
	}
	c.Addr = net.JoinHostPort(ip.String(), port)

	if len(c.Domains) == 0 {
		c.Domains = []string{DefaultDomain}
	}
	var doms []string
	for _, d := range c.Domains {
		d = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(d), "."))
		if d == "" {
			return c, errors.New("empty domain: the resolver never answers for the root zone")
		}
		if _, ok := mdns.IsDomainName(d); !ok {
			return c, fmt.Errorf("domain %q is not a valid DNS name", d)
		}
		if !slices.Contains(doms, d) {
			doms = append(doms, d)
		}
	}
	c.Domains = doms

	if !c.IPv4.IsValid() {
		c.IPv4 = netip.MustParseAddr("127.0.0.1")
	}
	if !c.IPv4.Is4() {
		return c, fmt.Errorf("IPv4 answer %s is not an IPv4 address", c.IPv4)
	}
	if c.NoIPv6 {
		c.IPv6 = netip.Addr{}
	} else if !c.IPv6.IsValid() {
		c.IPv6 = netip.IPv6Loopback()
	}
	if c.IPv6.IsValid() && !c.IPv6.Is6() {
		return c, fmt.Errorf("IPv6 answer %s is not an IPv6 address", c.IPv6)
	}
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxUDPSize == 0 {
		c.MaxUDPSize = DefaultMaxUDPSize
	}
	if c.MaxUDPSize < mdns.MinMsgSize {
		c.MaxUDPSize = mdns.MinMsgSize
	}
	for _, f := range c.Forward {
		if _, _, err := net.SplitHostPort(f); err != nil {
			return c, fmt.Errorf("upstream %q: want host:port: %w", f, err)
		}
	}
	return c, nil
}

// Equal reports whether two normalised configs serve the same answers on
// the same address (EnsureRunning restarts the resolver when they differ).
func (c Config) Equal(o Config) bool {
	return c.Addr == o.Addr && slices.Equal(c.Domains, o.Domains) && c.IPv4 == o.IPv4 &&
		c.IPv6 == o.IPv6 && c.NoIPv6 == o.NoIPv6 && c.TTL == o.TTL &&
		slices.Equal(c.Forward, o.Forward) && c.MaxUDPSize == o.MaxUDPSize
}

// Args renders c as `devstack dns serve` flags, so the background process
// runs with exactly this configuration.
func (c Config) Args() []string {
	args := []string{"--addr", c.Addr}
	for _, d := range c.Domains {
		args = append(args, "--domain", d)
	}
	for _, f := range c.Forward {
		args = append(args, "--forward", f)
	}
	if c.NoIPv6 {
		args = append(args, "--no-ipv6")
	}
	if c.TTL != 0 && c.TTL != DefaultTTL {
		args = append(args, "--ttl", strconv.FormatUint(uint64(c.TTL), 10))
	}
	return args
}
