package osdns

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
)

// Service is a system resolver that devstack configures with a drop-in.
type Service string

// The services.
const (
	Resolved  Service = "systemd-resolved"
	NMDnsmasq Service = "NetworkManager's dnsmasq"
)

// Live tells what a system resolver does now, whatever its files say: a
// drop-in written by an install that was interrupted before the restart is
// in place but not in force, and the next install must restart anyway.
type Live interface {
	// Routes reports whether svc sends the names of domain to addr now;
	// addr "" means to any loopback server other than port 53 (devstack's
	// resolver, whatever its port). An error means it cannot tell.
	Routes(ctx context.Context, svc Service, domain, addr string) (bool, error)
}

// SystemLive reads this machine: `resolvectl dns` and `resolvectl domain`
// (no root needed) for systemd-resolved. NetworkManager's dnsmasq cannot
// be asked what it loaded: for it, SystemLive cannot tell.
type SystemLive struct{}

// Routes implements Live.
func (SystemLive) Routes(ctx context.Context, svc Service, domain, addr string) (bool, error) {
	if svc != Resolved {
		return false, fmt.Errorf("cannot read the live state of %s", svc)
	}
	dnsOut, err := exec.CommandContext(ctx, "resolvectl", "dns").Output()
	if err != nil {
		return false, fmt.Errorf("resolvectl dns: %w", err)
	}
	domOut, err := exec.CommandContext(ctx, "resolvectl", "domain").Output()
	if err != nil {
		return false, fmt.Errorf("resolvectl domain: %w", err)
	}
	return resolvedRoutes(dnsOut, domOut, domain, addr), nil
}

// resolvedRoutes reads resolvectl's "Global:" lines: the global scope has
// addr among its servers and ~domain among its routing domains.
func resolvedRoutes(dnsOut, domOut []byte, domain, addr string) bool {
	servers, domains := globalLine(dnsOut), globalLine(domOut)
	hasDomain := false
	for _, d := range domains {
		if strings.TrimPrefix(strings.TrimSuffix(d, "."), "~") == domain {
			hasDomain = true
		}
	}
	if !hasDomain {
		return false
	}
	for _, s := range servers {
		if sameServer(s, addr) {
			return true
		}
	}
	return false
}

func globalLine(out []byte) []string {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Global:"); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

// sameServer compares resolvectl's "ip[:port][%ifindex][#name]" (IPv6 in
// brackets with a port) with want ("" : any loopback, port not 53).
func sameServer(got, want string) bool {
	got, _, _ = strings.Cut(got, "#")
	host, port, err := net.SplitHostPort(got)
	if err != nil {
		host, port = strings.Trim(got, "[]"), "53"
	}
	host, _, _ = strings.Cut(host, "%")
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if want == "" {
		return ip.IsLoopback() && port != "53"
	}
	wh, wp, err := net.SplitHostPort(want)
	return err == nil && ip.Equal(net.ParseIP(wh)) && port == wp
}
