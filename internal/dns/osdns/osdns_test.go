package osdns

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/golden"
	"github.com/devstack-dev/devstack/internal/sysfile"
	"github.com/devstack-dev/devstack/internal/testtree"
)

const stockHosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"

// layouts are the machines the tests build as temporary trees. A value
// "-> target" makes a symlink.
var layouts = map[string]map[string]string{
	"linux-resolved": {
		"run/systemd/resolve/stub-resolv.conf": "nameserver 127.0.0.53\n",
		"etc/resolv.conf":                      "-> ../run/systemd/resolve/stub-resolv.conf",
		"etc/nsswitch.conf":                    "hosts: files myhostname resolve [!UNAVAIL=return] dns\n",
		"etc/hosts":                            stockHosts,
	},
	"linux-resolved-nss-mdns": {
		"run/systemd/resolve/stub-resolv.conf": "nameserver 127.0.0.53\n",
		"etc/resolv.conf":                      "-> ../run/systemd/resolve/stub-resolv.conf",
		"etc/nsswitch.conf":                    "hosts:          files mdns4_minimal [NOTFOUND=return] dns\n",
		"etc/hosts":                            stockHosts,
	},
	"linux-nm-dnsmasq": {
		"etc/NetworkManager/NetworkManager.conf": "[main]\nplugins=ifupdown,keyfile\ndns=dnsmasq\n",
		"etc/resolv.conf":                        "nameserver 127.0.1.1\n",
		"etc/nsswitch.conf":                      "hosts: files dns\n",
		"etc/hosts":                              stockHosts,
	},
	"linux-plain": { // a container like the CI sandbox
		"etc/resolv.conf":   "nameserver 10.0.0.2\n",
		"etc/nsswitch.conf": "hosts: files dns\n",
		"etc/hosts":         "127.0.0.1 localhost\n127.0.0.1 runsc", // no final newline
	},
	"darwin": {
		"etc/hosts":                 "##\n# Host Database\n##\n127.0.0.1\tlocalhost\n",
		"etc/resolver/old-domain":   header + "nameserver 127.0.0.1\nport 15353\n",
		"etc/resolver/corp.example": "nameserver 10.1.1.1\n", // the user's own: left alone
	},
}

// render is the changeset as a user would see it in --dry-run, with every
// step Apply takes (the exact sudo commands), the temporary root shown as
// "/" and the test user's ids as root's (the owner a real /etc has).
func render(root string, cs *Changeset) string {
	norm := strings.NewReplacer(root+"/", "/", fmt.Sprintf("-o %d -g %d", os.Getuid(), os.Getgid()), "-o 0 -g 0")
	var b strings.Builder
	for _, c := range cs.Changes {
		b.WriteString(norm.Replace(c.String()) + "\n")
		for _, st := range c.Steps() {
			b.WriteString("    $ " + norm.Replace(st) + "\n")
		}
		b.WriteString(c.Diff())
	}
	b.WriteString("routed: " + strings.Join(cs.Routed, " ") + "\n")
	if cs.HostsFallback {
		b.WriteString("hosts fallback\n")
	}
	for _, n := range cs.Notes {
		b.WriteString("note: " + n + "\n")
	}
	return b.String()
}

// The two users the tests take the part of, whoever runs them: root, and
// a laptop user who can write nothing under /etc.
var users = []struct {
	name   string
	access sysfile.Access
}{
	{"root", sysfile.Access{Euid: 0, Writable: func(string) bool { return true }}},
	{"user", sysfile.Access{Euid: 1000, Writable: func(string) bool { return false }}},
}

// recorder is a Runner that records every command; the file commands of
// sudo changes it also runs, without sudo, on the test's temporary tree
// (owned by the test's user, so `install -o` that user works unprivileged).
// Service commands are only recorded; a restart of systemd-resolved makes
// the fake resolved load the drop-in as it is then. failOn makes a command
// (by name) fail instead; after runs after each command.
type recorder struct {
	cmds     [][]string
	resolved *fakeResolved
	failOn   string
	after    func(argv []string)
}

func (r *recorder) Run(_ context.Context, _ []byte, argv ...string) error {
	r.cmds = append(r.cmds, argv)
	bare := slices.Clone(argv)
	if len(bare) > 2 && bare[0] == "sudo" && bare[1] == "--" {
		bare = bare[2:]
	}
	if bare[0] == r.failOn {
		return fmt.Errorf("%s: injected failure", bare[0])
	}
	defer func() {
		if r.after != nil {
			r.after(bare)
		}
	}()
	switch bare[0] {
	case "systemctl", "nmcli":
		if r.resolved != nil && strings.Join(bare, " ") == "systemctl restart systemd-resolved" {
			r.resolved.restart()
		}
		return nil
	}
	if out, err := exec.Command(bare[0], bare[1:]...).CombinedOutput(); err != nil {
		return fmt.Errorf("%q: %w: %s", bare, err, out)
	}
	return nil
}

// services lists the service commands run, without sudo.
func (r *recorder) services() []string {
	var out []string
	for _, c := range r.cmds {
		c = slices.DeleteFunc(slices.Clone(c), func(s string) bool { return s == "sudo" || s == "--" })
		if c[0] == "systemctl" || c[0] == "nmcli" {
			out = append(out, strings.Join(c, " "))
		}
	}
	return out
}

// fakeResolved is systemd-resolved as Live sees it: it routes what its
// drop-in said when it was last restarted.
type fakeResolved struct {
	root   string
	loaded string
}

func (f *fakeResolved) restart() {
	b, _ := os.ReadFile(filepath.Join(f.root, resolvedDropIn))
	f.loaded = string(b)
}

func (f *fakeResolved) Routes(_ context.Context, svc Service, domain, addr string) (bool, error) {
	if svc != Resolved {
		return false, errors.New("not resolved")
	}
	routesDomain := slices.ContainsFunc(strings.Fields(f.loaded), func(w string) bool {
		return strings.TrimPrefix(strings.TrimPrefix(w, "Domains="), "~") == domain
	})
	return routesDomain && (addr == "" && strings.Contains(f.loaded, "DNS=") || addr != "" && strings.Contains(f.loaded, "DNS="+addr+"\n")), nil
}

// TestPlanApplyUndo plans, applies, re-plans and undoes on every layout,
// once as root and once as a user who needs sudo for every file (whoever
// runs the tests: the access is injected, and the sudo commands really
// run, without sudo, on the temporary tree).
func TestPlanApplyUndo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		layout  string
		os      string
		domains []string
		cmds    []string // service commands Apply runs on install
		routed  bool
		hosts   bool // hosts block expected after install
	}{
		{layout: "linux-resolved", os: "linux", domains: []string{"test", "local"}, cmds: []string{"systemctl restart systemd-resolved"}, routed: true},
		{layout: "linux-resolved-nss-mdns", os: "linux", domains: []string{"local"}, cmds: []string{"systemctl restart systemd-resolved"}, routed: true, hosts: true},
		{layout: "linux-nm-dnsmasq", os: "linux", domains: []string{"local"}, cmds: []string{"nmcli general reload dns-full"}, routed: true},
		{layout: "linux-plain", os: "linux", domains: []string{"local"}, hosts: true},
		{layout: "darwin", os: "darwin", domains: []string{"local", "test"}, routed: true, hosts: true},
	}
	for _, tc := range cases {
		for _, u := range users {
			t.Run(tc.layout+"/"+u.name, func(t *testing.T) {
				t.Parallel()
				root := testtree.Build(t, layouts[tc.layout])
				before := testtree.Snapshot(t, root)
				resolved := &fakeResolved{root: root}
				opts := Options{Access: u.access, Live: resolved}
				ctx := context.Background()
				cfg := Config{Root: root, OS: tc.os, Domains: tc.domains, Addr: "127.0.0.1:15353",
					Hosts: []string{"n8n.local", "Grafana.local", "grafana.local."}}

				cs, err := opts.Plan(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, tc.layout+"-install-"+u.name+".golden", []byte(render(root, cs)))
				if got := len(cs.Routed) > 0; got != tc.routed {
					t.Errorf("routed %v, want %v", got, tc.routed)
				}
				if cs.HostsFallback != tc.hosts {
					t.Errorf("hosts fallback %v, want %v", cs.HostsFallback, tc.hosts)
				}
				wantRoot := 0
				if u.name == "user" {
					wantRoot = len(cs.Changes)
				}
				if n := len(cs.NeedsRoot()); n != wantRoot {
					t.Errorf("%d of %d changes need root, want %d", n, len(cs.Changes), wantRoot)
				}
				rec := &recorder{resolved: resolved}
				if err := Apply(ctx, cs, rec); err != nil {
					t.Fatal(err)
				}
				if got := rec.services(); !slices.Equal(got, tc.cmds) {
					t.Errorf("commands %q, want %q", got, tc.cmds)
				}
				for _, c := range rec.cmds {
					if sudo := c[0] == "sudo"; sudo != (u.name == "user") {
						t.Errorf("%s ran %q", u.name, c)
					}
					if slices.Contains(c, "tee") {
						t.Errorf("ran %q: a file truncated in place", c)
					}
				}
				hosts, _ := os.ReadFile(filepath.Join(root, "etc/hosts"))
				if got := strings.Contains(string(hosts), "::1 grafana.local\n"); got != tc.hosts {
					t.Errorf("hosts block present %v, want %v:\n%s", got, tc.hosts, hosts)
				}
				if _, err := os.Stat(filepath.Join(root, "etc/resolv.conf")); err == nil {
					after := testtree.Snapshot(t, root)
					if after["etc/resolv.conf"] != before["etc/resolv.conf"] {
						t.Error("/etc/resolv.conf changed")
					}
				}

				// Idempotent: nothing left to do.
				again, err := opts.Plan(ctx, cfg)
				if err != nil {
					t.Fatal(err)
				}
				if len(again.Changes) != 0 {
					t.Errorf("second plan not empty:\n%s", render(root, again))
				}

				// Uninstall restores the tree byte for byte, except the
				// stale devstack file of another domain, which is gone.
				undo, err := opts.PlanUndo(ctx, Config{Root: root, OS: tc.os})
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, tc.layout+"-uninstall-"+u.name+".golden", []byte(render(root, undo)))
				if err := Apply(ctx, undo, &recorder{resolved: resolved}); err != nil {
					t.Fatal(err)
				}
				want := before
				delete(want, "etc/resolver/old-domain")
				// The one byte not restored: a final newline added before the block.
				if h := want["etc/hosts"]; !strings.HasSuffix(h, "\n") {
					want["etc/hosts"] = h + "\n"
				}
				if got := testtree.Snapshot(t, root); !maps.Equal(got, want) {
					t.Errorf("tree after uninstall differs:\n got %q\nwant %q", got, want)
				}
				if again, _ := opts.PlanUndo(ctx, Config{Root: root, OS: tc.os}); len(again.Changes) != 0 {
					t.Errorf("second uninstall plan not empty:\n%s", render(root, again))
				}
			})
		}
	}
}

func TestPlanRefusesForeignFiles(t *testing.T) {
	t.Parallel()
	root := testtree.Build(t, map[string]string{
		"run/systemd/resolve/stub-resolv.conf":      "nameserver 127.0.0.53\n",
		"etc/resolv.conf":                           "nameserver 127.0.0.53\n",
		"etc/systemd/resolved.conf.d/devstack.conf": "[Resolve]\nDNS=1.1.1.1\n",
	})
	_, err := Plan(Config{Root: root, OS: "linux", Domains: []string{"local"}, Addr: "127.0.0.1:15353"})
	if err == nil || !strings.Contains(err.Error(), "not devstack's") {
		t.Fatalf("error %v, want a refusal to overwrite a foreign file", err)
	}
	// Uninstall leaves it alone too.
	undo, err := PlanUndo(Config{Root: root, OS: "linux"})
	if err != nil || len(undo.Changes) != 0 {
		t.Fatalf("uninstall plans %v, %v; want nothing", undo, err)
	}
}

func TestReplaceBlock(t *testing.T) {
	t.Parallel()
	block := hostsBlock([]string{"a.local"})
	cases := []struct {
		name, in, block, want, err string
	}{
		{name: "append", in: "x\n", block: block, want: "x\n" + block},
		{name: "append after missing newline", in: "x", block: block, want: "x\n" + block},
		{name: "empty file", in: "", block: block, want: block},
		{name: "replace in the middle", in: "x\n" + hostsBlock([]string{"old.local"}) + "y\n", block: block, want: "x\n" + block + "y\n"},
		{name: "remove", in: "x\n" + block + "y\n", block: "", want: "x\ny\n"},
		{name: "remove absent", in: "x\n", block: "", want: "x\n"},
		{name: "unterminated", in: blockBegin + "\n127.0.0.1 a\n", block: "", err: "no END"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := replaceBlock(tc.in, tc.block)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	t.Parallel()
	cases := []struct {
		layout string
		want   Layout
	}{
		{"linux-resolved", Layout{OS: "linux", Resolved: true}},
		{"linux-resolved-nss-mdns", Layout{OS: "linux", Resolved: true, MDNSFirst: true}},
		{"linux-nm-dnsmasq", Layout{OS: "linux", NMDnsmasq: true}},
		{"linux-plain", Layout{OS: "linux"}},
	}
	for _, tc := range cases {
		if got := Detect(testtree.Build(t, layouts[tc.layout]), "linux"); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.layout, got, tc.want)
		}
	}
}

// fakeLookup answers names from a table; others fail.
type fakeLookup map[string][]string

func (f fakeLookup) LookupHost(_ context.Context, host string) ([]string, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, os.ErrNotExist
}

// TestInstallFallsBackToHosts: routing through resolved is planned, but
// the lookup of the probe name fails (say the port is ignored), so Install
// adds the hosts block and verifies that instead.
func TestInstallFallsBackToHosts(t *testing.T) {
	t.Parallel()
	root := testtree.Build(t, layouts["linux-resolved"])
	cfg := Config{Root: root, OS: "linux", Domains: []string{"test"}, Addr: "127.0.0.1:15353", Hosts: []string{"app.test"}}
	var shown int
	rep, err := Install(context.Background(), cfg, Options{
		Runner:     &recorder{},
		Lookup:     fakeLookup{"app.test": {"127.0.0.1", "::1"}},
		Confirm:    func(*Changeset) error { shown++; return nil },
		VerifyWait: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != 2 || shown != 2 {
		t.Fatalf("applied %d changesets, confirmed %d; want the routing then the fallback", len(rep.Applied), shown)
	}
	if len(rep.Checks) != 2 || rep.Checks[0].OK || !rep.Checks[1].OK {
		t.Fatalf("checks %+v: want the probe failed and the hosts lookup passed", rep.Checks)
	}
	hosts, _ := os.ReadFile(filepath.Join(root, "etc/hosts"))
	if !strings.Contains(string(hosts), "127.0.0.1 app.test\n::1 app.test\n") {
		t.Errorf("hosts block missing:\n%s", hosts)
	}
}

func TestInstallVerified(t *testing.T) {
	t.Parallel()
	root := testtree.Build(t, layouts["linux-resolved"])
	cfg := Config{Root: root, OS: "linux", Domains: []string{"test"}, Addr: "127.0.0.1:15353", Hosts: []string{"app.test"}}
	rep, err := Install(context.Background(), cfg, Options{
		Runner: &recorder{},
		Lookup: fakeLookup{ProbeLabel + ".test": {"127.0.0.1"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Applied) != 1 || Failed(rep.Checks) != nil {
		t.Fatalf("applied %d, checks %+v; want one verified changeset", len(rep.Applied), rep.Checks)
	}
}

// TestElevationOnlyForUnwritableFiles: sudo for exactly the files this
// user cannot replace (here /etc itself is read-only, the drop-in
// directory writable) and for the service restart.
func TestElevationOnlyForUnwritableFiles(t *testing.T) {
	t.Parallel()
	root := testtree.Build(t, layouts["linux-resolved-nss-mdns"])
	access := sysfile.Access{Euid: 1000, Writable: func(p string) bool { return p != filepath.Join(root, "etc") }}
	opts := Options{Access: access, Live: &fakeResolved{root: root}}
	cs, err := opts.Plan(context.Background(), Config{Root: root, OS: "linux", Domains: []string{"local"}, Addr: "127.0.0.1:15353", Hosts: []string{"a.local"}})
	if err != nil {
		t.Fatal(err)
	}
	var needs []string
	for _, c := range cs.NeedsRoot() {
		needs = append(needs, strings.TrimPrefix(c.Path, root)+strings.Join(c.Command, " "))
	}
	if want := []string{"systemctl restart systemd-resolved", "/etc/hosts"}; !slices.Equal(needs, want) {
		t.Fatalf("changes needing root %q, want %q", needs, want)
	}
	rec := &recorder{}
	if err := Apply(context.Background(), cs, rec); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.cmds {
		if slices.Contains(c, filepath.Join(root, resolvedDropIn)) {
			t.Errorf("the writable drop-in went through %q", c)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(root, resolvedDropIn)); !strings.Contains(string(b), "~local") {
		t.Errorf("drop-in not written directly: %q", b)
	}
}

// TestInterruptedInstallIsFinished: an install that wrote the drop-in but
// stopped before restarting systemd-resolved (Ctrl-C, a refused sudo) is
// finished by the next one, although no file changes any more; the same
// for an interrupted uninstall.
func TestInterruptedInstallIsFinished(t *testing.T) {
	t.Parallel()
	root := testtree.Build(t, layouts["linux-resolved"])
	resolved := &fakeResolved{root: root}
	opts := Options{Access: users[1].access, Live: resolved}
	ctx := context.Background()
	cfg := Config{Root: root, OS: "linux", Domains: []string{"test"}, Addr: "127.0.0.1:15353"}
	cs, err := opts.Plan(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, cs, &recorder{resolved: resolved, failOn: "systemctl"}); err == nil {
		t.Fatal("the injected restart failure was not reported")
	}
	next, err := opts.Plan(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "interrupted-install.golden", []byte(render(root, next)))
	if len(next.Changes) != 1 || next.Changes[0].Action != Run {
		t.Fatalf("next plan:\n%s\nwant only the restart", render(root, next))
	}
	if err := Apply(ctx, next, &recorder{resolved: resolved}); err != nil {
		t.Fatal(err)
	}
	if done, _ := opts.Plan(ctx, cfg); len(done.Changes) != 0 {
		t.Fatalf("plan after the restart:\n%s", render(root, done))
	}

	undo, err := opts.PlanUndo(ctx, Config{Root: root, OS: "linux", Domains: []string{"test"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(ctx, undo, &recorder{resolved: resolved, failOn: "systemctl"}); err == nil {
		t.Fatal("the injected restart failure was not reported")
	}
	nextUndo, err := opts.PlanUndo(ctx, Config{Root: root, OS: "linux", Domains: []string{"test"}})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "interrupted-uninstall.golden", []byte(render(root, nextUndo)))
	if len(nextUndo.Changes) != 1 || nextUndo.Changes[0].Action != Run {
		t.Fatalf("next uninstall plan:\n%s\nwant only the restart", render(root, nextUndo))
	}
}

// TestCtrlCStopsBetweenFilesNotInside: a cancel while the first file is
// being written lets that write finish (whole, verified, no leftovers),
// then stops before the restart and the next file.
func TestCtrlCStopsBetweenFilesNotInside(t *testing.T) {
	t.Parallel()
	root := testtree.Build(t, layouts["linux-resolved-nss-mdns"])
	opts := Options{Access: users[1].access, Live: &fakeResolved{root: root}}
	cfg := Config{Root: root, OS: "linux", Domains: []string{"local"}, Addr: "127.0.0.1:15353", Hosts: []string{"a.local"}}
	cs, err := opts.Plan(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{after: func(argv []string) {
		if argv[0] == "install" {
			cancel() // Ctrl-C right after the temporary file is written
		}
	}}
	err = Apply(ctx, cs, rec)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Apply: %v, want it stopped by the cancel", err)
	}
	b, _ := os.ReadFile(filepath.Join(root, resolvedDropIn))
	if string(b) != resolvedConf(Config{Domains: []string{"local"}, Addr: "127.0.0.1:15353"}) {
		t.Errorf("drop-in %q: the started write did not finish", b)
	}
	if h, _ := os.ReadFile(filepath.Join(root, "etc/hosts")); string(h) != stockHosts {
		t.Errorf("hosts changed after the cancel: %q", h)
	}
	if got := rec.services(); len(got) != 0 {
		t.Errorf("ran %q after the cancel", got)
	}
	entries, _ := os.ReadDir(filepath.Dir(filepath.Join(root, resolvedDropIn)))
	if len(entries) != 1 {
		t.Errorf("left in the drop-in directory: %v", entries)
	}
}

func TestResolvedRoutes(t *testing.T) {
	t.Parallel()
	dns := []byte("Global: 127.0.0.1:15353#devstack [::1]:15353\nLink 2 (eth0): 10.0.0.1\n")
	domains := []byte("Global: ~test ~local\nLink 2 (eth0): lan\n")
	cases := []struct {
		dns, domains []byte
		domain, addr string
		want         bool
	}{
		{dns, domains, "local", "127.0.0.1:15353", true},
		{dns, domains, "test", "[::1]:15353", true},
		{dns, domains, "local", "", true},
		{dns, domains, "lan", "127.0.0.1:15353", false},               // a link's domain, not routed to us
		{dns, domains, "local", "127.0.0.1:15354", false},             // another port
		{[]byte("Global:\n"), domains, "local", "", false},            // not loaded
		{dns, []byte("Global:\n"), "local", "127.0.0.1:15353", false}, // no routing domain
		{[]byte("Global: 127.0.0.1\n"), domains, "local", "", false},  // port 53: not devstack's
	}
	for i, tc := range cases {
		if got := resolvedRoutes(tc.dns, tc.domains, tc.domain, tc.addr); got != tc.want {
			t.Errorf("case %d (%s -> %s): %v, want %v", i, tc.domain, tc.addr, got, tc.want)
		}
	}
}

// TestLeftoversOfAnInterruptedWriteAreRemoved: a write of /etc/hosts
// killed after its temporary and backup were made (the file itself is
// whole: only the rename changes it) leaves them behind; the next plan,
// with nothing else to do, removes them.
func TestLeftoversOfAnInterruptedWriteAreRemoved(t *testing.T) {
	t.Parallel()
	root := testtree.Build(t, layouts["linux-plain"])
	opts := Options{Access: users[1].access}
	ctx := context.Background()
	cfg := Config{Root: root, OS: "linux", Domains: []string{"local"}, Addr: "127.0.0.1:15353", Hosts: []string{"a.local"}}
	cs, err := opts.Plan(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(root, "etc/hosts")
	rec := &recorder{failOn: "mv"} // killed before the rename
	if err := Apply(ctx, cs, rec); err == nil {
		t.Fatal("the injected failure was not reported")
	}
	if b, _ := os.ReadFile(hosts); string(b) != layouts["linux-plain"]["etc/hosts"] {
		t.Fatalf("hosts after a failed write: %q, want the original", b)
	}
	// What a kill (not a failure, which cleans up) leaves:
	for _, name := range []string{".hosts.devstack-tmp", ".hosts.devstack-bak"} {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := Apply(ctx, cs, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if l := sysfile.Leftovers(hosts); len(l) != 0 {
		t.Fatalf("the completed write left %v", l)
	}
	for _, name := range []string{".hosts.devstack-tmp", ".hosts.devstack-bak"} {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	next, err := opts.Plan(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "leftovers.golden", []byte(render(root, next)))
	if err := Apply(ctx, next, &recorder{}); err != nil {
		t.Fatal(err)
	}
	if l := sysfile.Leftovers(hosts); len(l) != 0 {
		t.Errorf("left after the plan that removes them: %v", l)
	}
	if done, _ := opts.Plan(ctx, cfg); len(done.Changes) != 0 {
		t.Errorf("plan after the clean-up:\n%s", render(root, done))
	}
}
