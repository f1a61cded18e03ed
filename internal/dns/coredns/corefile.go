package coredns

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// The marker comments around devstack's lines in the Corefile.
const (
	blockBegin = "# BEGIN devstack (Managed by devstack: the stack's domains resolve to Traefik)"
	blockEnd   = "# END devstack"
)

// Target names the Service that *.<domain> resolves to in the cluster.
type Target struct {
	Namespace, Name string
	// ClusterDomain is the cluster's DNS domain ("cluster.local" if empty).
	ClusterDomain string
}

// FQDN is the Service's cluster DNS name, with the final dot.
func (t Target) FQDN() string {
	cd := t.ClusterDomain
	if cd == "" {
		cd = "cluster.local"
	}
	return fmt.Sprintf("%s.%s.svc.%s.", t.Name, t.Namespace, strings.Trim(cd, "."))
}

// rewriteLines are the rewrite rules, one per domain: the apex and every
// name below it become the Service's name, and "answer auto" gives the
// answers the asked name back.
func rewriteLines(domains []string, t Target, indent string) string {
	var b strings.Builder
	b.WriteString(indent + blockBegin + "\n")
	for _, d := range domains {
		d = strings.ToLower(strings.Trim(d, "."))
		fmt.Fprintf(&b, "%srewrite stop name regex ^(.*\\.)?%s\\.$ %s answer auto\n", indent, regexp.QuoteMeta(d), t.FQDN())
	}
	b.WriteString(indent + blockEnd + "\n")
	return b.String()
}

// serverBlock finds the opening line of the root zone's server block
// (".:53 {" in kubeadm's and kind's Corefile).
var serverBlock = regexp.MustCompile(`(?m)^\.(:53)?\s*\{[ \t]*\n`)

// Edit returns corefile with devstack's rewrite for domains added at the
// top of the root server block (replacing an earlier one), or removed when
// domains is empty. The rest is kept byte for byte.
func Edit(corefile string, domains []string, t Target) (string, error) {
	out, err := removeBlock(corefile)
	if err != nil {
		return "", err
	}
	if len(domains) == 0 {
		return out, nil
	}
	if t.Name == "" || t.Namespace == "" {
		return "", errors.New("the target Service needs a namespace and a name")
	}
	loc := serverBlock.FindStringIndex(out)
	if loc == nil {
		return "", errors.New(`no ".:53 {" server block in the Corefile`)
	}
	indent := "    "
	rest := out[loc[1]:]
	if line, _, _ := strings.Cut(rest, "\n"); strings.TrimSpace(line) != "" {
		indent = line[:len(line)-len(strings.TrimLeft(line, " \t"))]
	}
	return out[:loc[1]] + rewriteLines(domains, t, indent) + rest, nil
}

func removeBlock(s string) (string, error) {
	start := strings.Index(s, blockBegin)
	if start < 0 {
		return s, nil
	}
	lineStart := strings.LastIndex(s[:start], "\n") + 1
	rel := strings.Index(s[start:], blockEnd)
	if rel < 0 {
		return "", errors.New("devstack's Corefile block has no END marker")
	}
	end := start + rel + len(blockEnd)
	if end < len(s) && s[end] == '\n' {
		end++
	}
	return s[:lineStart] + s[end:], nil
}
