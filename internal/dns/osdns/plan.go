package osdns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Marker is in every file and block devstack writes; uninstall removes only
// what carries it.
const Marker = "Managed by devstack"

const header = "# " + Marker + ": removed by `devstack dns uninstall` and `devstack reset`.\n"

// Paths relative to the root.
const (
	resolvedDropIn = "etc/systemd/resolved.conf.d/devstack.conf"
	nmDropIn       = "etc/NetworkManager/dnsmasq.d/devstack.conf"
	hostsFile      = "etc/hosts"
	resolverDir    = "etc/resolver"
)

// Config says what to route where.
type Config struct {
	// Root is "/" on a real machine and a temporary directory in tests.
	Root string
	// OS is "linux" or "darwin"; empty means this machine's.
	OS string
	// Domains are routed to Addr, the resolver's loopback host:port.
	Domains []string
	Addr    string
	// Hosts are the names the hosts-file fallback lists (the stack's hosts).
	Hosts []string
	// ForceHosts adds the hosts-file block even where routing should work
	// (Install sets it when verification of the routing fails).
	ForceHosts bool
}

func (c Config) normalize() (Config, error) {
	if c.Root == "" {
		c.Root = "/"
	}
	if c.OS == "" {
		c.OS = runtime.GOOS
	}
	if c.OS != "linux" && c.OS != "darwin" {
		return c, fmt.Errorf("OS integration supports macOS and Linux, not %s: point your resolver at devstack's by hand", c.OS)
	}
	if len(c.Domains) == 0 {
		return c, errors.New("no domain to route")
	}
	c.Domains = slices.Clone(c.Domains)
	for i, d := range c.Domains {
		d = strings.ToLower(strings.Trim(d, "."))
		if d == "" || strings.ContainsAny(d, "/ \t\n") {
			return c, fmt.Errorf("bad domain %q", c.Domains[i])
		}
		c.Domains[i] = d
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return c, fmt.Errorf("resolver address %q: %w", c.Addr, err)
	}
	var hosts []string
	for _, h := range c.Hosts {
		h = strings.ToLower(strings.Trim(h, "."))
		if h == "" || strings.ContainsAny(h, " \t\n#") {
			return c, fmt.Errorf("bad host name %q", h)
		}
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	slices.Sort(hosts)
	c.Hosts = hosts
	return c, nil
}

// Action is what a Change does.
type Action string

// The actions.
const (
	Write  Action = "write"
	Remove Action = "remove"
	Run    Action = "run"
)

// Change is one change to the machine.
type Change struct {
	Action Action `json:"action"`
	// Path is the file, as seen on this machine (under the root).
	Path string `json:"path,omitempty"`
	// Content is the whole new content of a written file; Previous the
	// current one (nil when the file does not exist).
	Content  []byte `json:"content,omitempty"`
	Previous []byte `json:"previous,omitempty"`
	// InPlace files are rewritten in place rather than replaced: /etc/hosts
	// is often a bind mount (containers), which rename cannot replace.
	InPlace bool     `json:"inPlace,omitempty"`
	Command []string `json:"command,omitempty"`
	// NeedsRoot is true when this user cannot make the change.
	NeedsRoot bool   `json:"needsRoot"`
	Reason    string `json:"reason"`
}

// Changeset is a plan: the changes in order, what the machine looks like,
// and notes worth telling the user.
type Changeset struct {
	Layout  Layout   `json:"layout"`
	Changes []Change `json:"changes"`
	// Routed lists the domains routed to the resolver; HostsFallback says
	// whether the hosts-file block is (or stays) in place.
	Routed        []string `json:"routed"`
	HostsFallback bool     `json:"hostsFallback"`
	Notes         []string `json:"notes,omitempty"`
}

// NeedsRoot lists the changes that need elevation.
func (cs *Changeset) NeedsRoot() []Change {
	var out []Change
	for _, c := range cs.Changes {
		if c.NeedsRoot {
			out = append(out, c)
		}
	}
	return out
}

// Plan computes the changes that route cfg's domains to the resolver; an
// empty Changeset means everything is in place already. It also removes
// devstack's leftovers that no longer apply (another domain, another
// mechanism).
func Plan(cfg Config) (*Changeset, error) {
	return plan(cfg, true)
}

// PlanUndo computes the changes that remove everything devstack installed.
// Only the root and OS of cfg matter.
func PlanUndo(cfg Config) (*Changeset, error) {
	if cfg.Domains == nil {
		cfg.Domains = []string{"local"}
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	return plan(cfg, false)
}

func plan(cfg Config, install bool) (*Changeset, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	l := Detect(cfg.Root, cfg.OS)
	cs := &Changeset{Layout: l}
	p := planner{cfg: cfg, cs: cs}
	hasLocal := slices.Contains(cfg.Domains, "local")

	var wantHosts bool
	switch cfg.OS {
	case "darwin":
		if err := p.resolverFiles(install); err != nil {
			return nil, err
		}
		// .local goes to Bonjour first on macOS, and the port keyword
		// is not honoured for 127.0.0.1 on some releases: keep the
		// known hosts in /etc/hosts too.
		wantHosts = install && (hasLocal || cfg.ForceHosts)
		if install {
			cs.Routed = cfg.Domains
		}
	case "linux":
		var restart []string
		if err := p.file(resolvedDropIn, install && l.Resolved, resolvedConf(cfg), "route the domains to devstack's resolver through systemd-resolved"); err != nil {
			return nil, err
		} else if p.changed {
			restart = []string{"systemctl", "restart", "systemd-resolved"}
			p.run(l.Resolved, restart, "make systemd-resolved read its new configuration")
		}
		p.changed = false
		if err := p.file(nmDropIn, install && l.NMDnsmasq, nmConf(cfg), "route the domains to devstack's resolver through NetworkManager's dnsmasq"); err != nil {
			return nil, err
		} else if p.changed {
			p.run(l.NMDnsmasq, []string{"nmcli", "general", "reload", "dns-full"}, "restart NetworkManager's dnsmasq with its new configuration")
		}
		if install && l.Routable() {
			cs.Routed = cfg.Domains
		}
		wantHosts = install && (!l.Routable() || (hasLocal && l.MDNSFirst) || cfg.ForceHosts)
		if install && !l.Routable() {
			cs.Notes = append(cs.Notes, "the domain cannot be routed here: only the hosts listed in /etc/hosts will resolve, other names under it will not")
		}
	}
	if wantHosts && len(cfg.Hosts) == 0 && install {
		cs.Notes = append(cs.Notes, "no host names were given for the /etc/hosts fallback (devstack up passes the stack's hosts; devstack dns install takes --host)")
	}
	if err := p.hosts(wantHosts && len(cfg.Hosts) > 0); err != nil {
		return nil, err
	}
	cs.HostsFallback = wantHosts && len(cfg.Hosts) > 0
	return cs, nil
}

// planner accumulates changes; changed reports whether the last file()
// added one.
type planner struct {
	cfg     Config
	cs      *Changeset
	changed bool
}

func (p *planner) abs(rel string) string { return filepath.Join(p.cfg.Root, rel) }

// file plans rel to hold content (want) or to be gone (!want), touching
// only files that carry the Marker.
func (p *planner) file(rel string, want bool, content, reason string) error {
	path := p.abs(rel)
	old, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	ours := exists && strings.Contains(string(old), Marker)
	switch {
	case want && exists && !ours:
		return fmt.Errorf("%s exists and is not devstack's: remove or merge it by hand", path)
	case want && string(old) != content:
		p.add(Change{Action: Write, Path: path, Content: []byte(content), Previous: prev(old, exists), Reason: reason})
	case !want && ours:
		p.add(Change{Action: Remove, Path: path, Previous: old, Reason: "remove devstack's " + filepath.Base(rel)})
	}
	return nil
}

func prev(b []byte, exists bool) []byte {
	if !exists {
		return nil
	}
	if b == nil {
		return []byte{}
	}
	return b
}

func (p *planner) run(want bool, argv []string, reason string) {
	if want {
		p.cs.Changes = append(p.cs.Changes, Change{Action: Run, Command: argv, NeedsRoot: os.Geteuid() != 0, Reason: reason})
	}
}

func (p *planner) add(c Change) {
	c.NeedsRoot = !writable(c.Path)
	p.cs.Changes = append(p.cs.Changes, c)
	p.changed = true
}

// resolverFiles plans /etc/resolver/<domain> for each domain and removes
// devstack's files for domains no longer configured.
func (p *planner) resolverFiles(install bool) error {
	for _, d := range p.cfg.Domains {
		if err := p.file(filepath.Join(resolverDir, d), install, resolverConf(p.cfg), "send *."+d+" to devstack's resolver"); err != nil {
			return err
		}
	}
	entries, _ := os.ReadDir(p.abs(resolverDir))
	for _, e := range entries {
		if e.IsDir() || slices.Contains(p.cfg.Domains, e.Name()) {
			continue
		}
		if err := p.file(filepath.Join(resolverDir, e.Name()), false, "", ""); err != nil {
			return err
		}
	}
	return nil
}

// hosts plans the marker block of /etc/hosts.
func (p *planner) hosts(want bool) error {
	path := p.abs(hostsFile)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	block := ""
	if want {
		block = hostsBlock(p.cfg.Hosts)
	}
	updated, err := replaceBlock(string(old), block)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if updated == string(old) {
		return nil
	}
	reason := "list the stack's hosts (127.0.0.1 and ::1) for resolvers that cannot route the domain"
	if !want {
		reason = "remove devstack's block"
	}
	p.add(Change{Action: Write, Path: path, Content: []byte(updated), Previous: prev(old, err == nil), InPlace: true, Reason: reason})
	return nil
}
