package osdns

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
)

// Layout is what Detect found out about the machine's name resolution.
type Layout struct {
	OS string `json:"os"`
	// Resolved: systemd-resolved runs and the system's lookups go through it.
	Resolved bool `json:"resolved"`
	// NMDnsmasq: NetworkManager runs dnsmasq as the system's resolver.
	NMDnsmasq bool `json:"nmDnsmasq"`
	// MDNSFirst: nsswitch hands .local names to mDNS before DNS (nss-mdns).
	MDNSFirst bool `json:"mdnsFirst"`
}

// Routable reports whether a domain can be routed to the resolver at all
// (otherwise only the hosts file can name hosts).
func (l Layout) Routable() bool {
	return l.OS == "darwin" || l.Resolved || l.NMDnsmasq
}

// Describe says in a few words how the machine resolves names.
func (l Layout) Describe() string {
	var parts []string
	switch {
	case l.OS == "darwin":
		parts = append(parts, "macOS resolver")
	case l.Resolved && l.NMDnsmasq:
		parts = append(parts, "systemd-resolved and NetworkManager's dnsmasq")
	case l.Resolved:
		parts = append(parts, "systemd-resolved")
	case l.NMDnsmasq:
		parts = append(parts, "NetworkManager's dnsmasq")
	default:
		parts = append(parts, "plain /etc/resolv.conf (no systemd-resolved, no NetworkManager dnsmasq): domains cannot be routed without rewriting it, which devstack never does")
	}
	if l.MDNSFirst {
		parts = append(parts, "mDNS before DNS for .local (nss-mdns)")
	}
	return strings.Join(parts, "; ")
}

// Detect reads the machine's resolver configuration under root.
func Detect(root, goos string) Layout {
	l := Layout{OS: goos}
	if goos != "linux" {
		return l
	}
	hosts := nsswitchHosts(root)
	l.MDNSFirst = mdnsBeforeDNS(hosts)
	if isDir(filepath.Join(root, "run/systemd/resolve")) {
		resolv := filepath.Join(root, "etc/resolv.conf")
		target, _ := os.Readlink(resolv)
		b, _ := os.ReadFile(resolv)
		l.Resolved = strings.Contains(target, "systemd/resolve") ||
			bytes.Contains(b, []byte("nameserver 127.0.0.53")) ||
			containsWord(hosts, "resolve")
	}
	l.NMDnsmasq = nmUsesDnsmasq(root)
	return l
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// nsswitchHosts returns the sources of the "hosts:" line, with their
// [action] brackets.
func nsswitchHosts(root string) []string {
	b, err := os.ReadFile(filepath.Join(root, "etc/nsswitch.conf"))
	if err != nil {
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "hosts:"); ok {
			return strings.Fields(rest)
		}
	}
	return nil
}

func containsWord(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}

func mdnsBeforeDNS(sources []string) bool {
	for _, s := range sources {
		switch {
		case strings.HasPrefix(s, "mdns"):
			return true
		case s == "dns" || s == "resolve":
			return false
		}
	}
	return false
}

// nmUsesDnsmasq looks for dns=dnsmasq in NetworkManager's configuration.
func nmUsesDnsmasq(root string) bool {
	files := []string{filepath.Join(root, "etc/NetworkManager/NetworkManager.conf")}
	for _, d := range []string{"etc/NetworkManager/conf.d", "usr/lib/NetworkManager/conf.d", "run/NetworkManager/conf.d"} {
		m, _ := filepath.Glob(filepath.Join(root, d, "*.conf"))
		files = append(files, m...)
	}
	found := false
	for _, f := range files { // later files win, as in NetworkManager
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
			if ok && strings.TrimSpace(k) == "dns" {
				found = strings.TrimSpace(v) == "dnsmasq"
			}
		}
	}
	return found
}
