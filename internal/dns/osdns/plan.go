package osdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/devstack-dev/devstack/internal/sysfile"
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
	// InPlace files are rewritten in their inode rather than replaced by
	// rename: a mount point (a bind-mounted /etc/hosts in a container).
	InPlace bool     `json:"inPlace,omitempty"`
	Command []string `json:"command,omitempty"`
	// NeedsRoot is true when this user cannot make the change.
	NeedsRoot bool   `json:"needsRoot"`
	Reason    string `json:"reason"`
	// file is how a Write or Remove is made (atomic, backed up, through
	// sudo or not); Steps lists it.
	file *sysfile.Change
}

// Steps lists exactly what Apply does for the change: the commands, sudo
// included, or the steps of a direct file write (see sysfile.Change.Steps).
func (c Change) Steps() []string {
	if c.Action == Run {
		return []string{strings.Join(c.argv(), " ")}
	}
	if c.file == nil {
		return nil
	}
	return c.file.Steps()
}

func (c Change) argv() []string {
	if c.NeedsRoot {
		return append(slices.Clone(sysfile.SudoPrefix), c.Command...)
	}
	return c.Command
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
// mechanism). It is Options{}.Plan: this process's access, and the live
// state of this machine's resolvers when cfg.Root is "/".
func Plan(cfg Config) (*Changeset, error) {
	return Options{}.Plan(context.Background(), cfg)
}

// PlanUndo computes the changes that remove everything devstack installed.
// Only the root and OS of cfg matter (and its domains, default "local",
// for the live check of the resolvers).
func PlanUndo(cfg Config) (*Changeset, error) {
	return Options{}.PlanUndo(context.Background(), cfg)
}

// Plan is the package's Plan with o's access and live check.
func (o Options) Plan(ctx context.Context, cfg Config) (*Changeset, error) {
	return o.plan(ctx, cfg, true)
}

// PlanUndo is the package's PlanUndo with o's access and live check.
func (o Options) PlanUndo(ctx context.Context, cfg Config) (*Changeset, error) {
	if cfg.Domains == nil {
		cfg.Domains = []string{"local"}
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	return o.plan(ctx, cfg, false)
}

func (o Options) plan(ctx context.Context, cfg Config, install bool) (*Changeset, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	l := Detect(cfg.Root, cfg.OS)
	cs := &Changeset{Layout: l}
	p := planner{ctx: ctx, cfg: cfg, cs: cs, access: o.Access.OrCurrent(), live: o.live(cfg)}
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
		if err := p.file(resolvedDropIn, install && l.Resolved, resolvedConf(cfg), "route the domains to devstack's resolver through systemd-resolved"); err != nil {
			return nil, err
		}
		if l.Resolved {
			p.restart(Resolved, install, true, []string{"systemctl", "restart", "systemd-resolved"}, "make systemd-resolved read its new configuration")
		}
		p.changed = false
		if err := p.file(nmDropIn, install && l.NMDnsmasq, nmConf(cfg), "route the domains to devstack's resolver through NetworkManager's dnsmasq"); err != nil {
			return nil, err
		}
		if l.NMDnsmasq {
			// No live check: dnsmasq cannot be asked what it loaded, and a
			// failed lookup would also mean "routing does not work here",
			// which a reload on every run would not cure.
			p.restart(NMDnsmasq, install, false, []string{"nmcli", "general", "reload", "dns-full"}, "restart NetworkManager's dnsmasq with its new configuration")
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

// live is o.Live, or this machine's resolvers when cfg is this machine's
// root (a temporary tree says nothing about the running resolvers).
func (o Options) live(cfg Config) Live {
	if o.Live != nil {
		return o.Live
	}
	if cfg.Root == "/" {
		return SystemLive{}
	}
	return nil
}

// planner accumulates changes; changed reports whether the last file()
// added one.
type planner struct {
	ctx     context.Context
	cfg     Config
	cs      *Changeset
	access  sysfile.Access
	live    Live
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
		return p.write(Change{Path: path, Content: []byte(content), Previous: prev(old, exists), Reason: reason})
	case !want && ours:
		return p.remove(Change{Path: path, Previous: old, Reason: "remove devstack's " + filepath.Base(rel)})
	}
	return p.leftovers(path)
}

// leftovers plans the removal of what an interrupted write of path left
// beside it (a write of path itself replaces them anyway).
func (p *planner) leftovers(path string) error {
	for _, l := range sysfile.Leftovers(path) {
		changed := p.changed
		if err := p.remove(Change{Path: l, Reason: "remove the leftover of an interrupted write of " + filepath.Base(path) + " (the file itself is whole)"}); err != nil {
			return err
		}
		p.changed = changed // not a change of the service's configuration
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

// restart plans argv, the restart of svc, when a file of svc changed or
// (live) when the running svc does not do what its files say (an earlier
// install or uninstall stopped between the file and the restart). When the
// live state cannot be read, only a changed file restarts it.
func (p *planner) restart(svc Service, install, live bool, argv []string, reason string) {
	if !p.changed {
		if !live {
			return
		}
		reason = p.liveDiffers(svc, install)
		if reason == "" {
			return
		}
	}
	p.cs.Changes = append(p.cs.Changes, Change{Action: Run, Command: argv, NeedsRoot: p.access.NeedsSudo(), Reason: reason})
}

// liveDiffers says how the running svc differs from what install wants
// ("" when it does not, or when it cannot tell).
func (p *planner) liveDiffers(svc Service, install bool) string {
	if p.live == nil {
		return ""
	}
	for _, d := range p.cfg.Domains {
		addr := p.cfg.Addr
		if !install {
			addr = ""
		}
		routed, err := p.live.Routes(p.ctx, svc, d, addr)
		switch {
		case err != nil:
			p.cs.Notes = append(p.cs.Notes, fmt.Sprintf("cannot tell whether %s is up to date (%v): restarting it only if its file changes", svc, err))
			return ""
		case install && !routed:
			return fmt.Sprintf("%s does not route *.%s to %s yet, although its file is in place (an earlier install stopped before this step?): restart it", svc, d, p.cfg.Addr)
		case !install && routed:
			return fmt.Sprintf("%s still routes *.%s to devstack's resolver, although its file is gone (an earlier uninstall stopped before this step?): restart it", svc, d)
		}
	}
	return ""
}

func (p *planner) write(c Change) error {
	fc, err := sysfile.PlanWrite(c.Path, c.Content, 0o644, p.access)
	if err != nil {
		return err
	}
	c.Action = Write
	p.add(c, fc)
	return nil
}

func (p *planner) remove(c Change) error {
	fc, err := sysfile.PlanRemove(c.Path, p.access)
	if err != nil {
		return err
	}
	c.Action = Remove
	p.add(c, fc)
	return nil
}

func (p *planner) add(c Change, fc sysfile.Change) {
	c.NeedsRoot, c.InPlace, c.file = fc.Sudo, fc.InPlace, &fc
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
		if e.IsDir() || slices.Contains(p.cfg.Domains, e.Name()) || strings.HasPrefix(e.Name(), ".") {
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
	exists := err == nil
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
		return p.leftovers(path)
	}
	reason := "list the stack's hosts (127.0.0.1 and ::1) for resolvers that cannot route the domain"
	if !want {
		reason = "remove devstack's block"
	}
	return p.write(Change{Path: path, Content: []byte(updated), Previous: prev(old, exists), Reason: reason})
}
