package osdns

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// resolverConf is macOS's /etc/resolver/<domain> (resolver(5)).
func resolverConf(c Config) string {
	host, port, _ := net.SplitHostPort(c.Addr)
	return header + "nameserver " + host + "\nport " + port + "\n"
}

// resolvedConf is the systemd-resolved drop-in: the global DNS= with the
// resolver's ip:port (per-link loopback servers were broken before v252),
// and the domains as routing-only domains (~domain), so only their names go
// there. For .local this also takes the names away from mDNS.
// The global scope is a default route in resolved, so other names are
// sent to devstack's resolver too, which answers REFUSED at once: resolved
// then takes the link's answer.
func resolvedConf(c Config) string {
	var doms []string
	for _, d := range c.Domains {
		doms = append(doms, "~"+d)
	}
	return header + "[Resolve]\nDNS=" + c.Addr + "\nDomains=" + strings.Join(doms, " ") + "\n"
}

// nmConf is a dnsmasq drop-in for NetworkManager's dnsmasq plugin.
func nmConf(c Config) string {
	host, port, _ := net.SplitHostPort(c.Addr)
	var b strings.Builder
	b.WriteString(header)
	for _, d := range c.Domains {
		fmt.Fprintf(&b, "server=/%s/%s#%s\n", d, host, port)
	}
	return b.String()
}

// The marker lines of the /etc/hosts block.
const (
	blockBegin = "# BEGIN devstack (" + Marker + ": removed by `devstack dns uninstall` and `devstack reset`)"
	blockEnd   = "# END devstack"
)

func hostsBlock(hosts []string) string {
	var b strings.Builder
	b.WriteString(blockBegin + "\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "127.0.0.1 %s\n::1 %s\n", h, h)
	}
	b.WriteString(blockEnd + "\n")
	return b.String()
}

// replaceBlock returns content with devstack's block replaced by block
// (removed when block is empty; appended when there was none). The rest of
// the file is left byte for byte.
func replaceBlock(content, block string) (string, error) {
	start := strings.Index(content, blockBegin)
	if start < 0 {
		if block == "" {
			return content, nil
		}
		if content != "" && !strings.HasSuffix(content, "\n") {
			content += "\n"
		}
		return content + block, nil
	}
	if start > 0 && content[start-1] != '\n' {
		return "", errors.New("devstack's marker is not at the start of a line")
	}
	rel := strings.Index(content[start:], blockEnd)
	if rel < 0 {
		return "", errors.New("devstack's block has a BEGIN line but no END line: fix the file by hand")
	}
	end := start + rel + len(blockEnd)
	if end < len(content) && content[end] == '\n' {
		end++
	}
	return content[:start] + block + content[end:], nil
}
