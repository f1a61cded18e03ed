package osdns

import (
	"context"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

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

func buildTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// snapshot maps every regular file under root to its content.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// render is the changeset as a user would see it in --dry-run, with the
// temporary root replaced by "/".
func render(root string, cs *Changeset) string {
	var b strings.Builder
	for _, c := range cs.Changes {
		b.WriteString(strings.ReplaceAll(c.String(), root+"/", "/") + "\n")
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

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

// recorder is a Runner that only records.
type recorder struct{ cmds [][]string }

func (r *recorder) Run(_ context.Context, _ []byte, argv ...string) error {
	r.cmds = append(r.cmds, argv)
	return nil
}

func TestPlanApplyUndo(t *testing.T) {
	t.Parallel()
	cases := []struct {
		layout  string
		os      string
		domains []string
		cmds    []string // commands Apply runs on install
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
		t.Run(tc.layout, func(t *testing.T) {
			t.Parallel()
			root := buildTree(t, layouts[tc.layout])
			before := snapshot(t, root)
			cfg := Config{Root: root, OS: tc.os, Domains: tc.domains, Addr: "127.0.0.1:15353",
				Hosts: []string{"n8n.local", "Grafana.local", "grafana.local."}}

			cs, err := Plan(cfg)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.layout+"-install", render(root, cs))
			if got := len(cs.Routed) > 0; got != tc.routed {
				t.Errorf("routed %v, want %v", got, tc.routed)
			}
			if cs.HostsFallback != tc.hosts {
				t.Errorf("hosts fallback %v, want %v", cs.HostsFallback, tc.hosts)
			}
			if n := len(cs.NeedsRoot()); n != 0 && os.Geteuid() == 0 {
				t.Errorf("%d changes need root in a temporary tree owned by us", n)
			}
			rec := &recorder{}
			if err := Apply(context.Background(), cs, rec); err != nil {
				t.Fatal(err)
			}
			var cmds []string
			for _, c := range rec.cmds {
				cmds = append(cmds, strings.Join(slices.DeleteFunc(c, func(s string) bool { return s == "sudo" || s == "--" }), " "))
			}
			if !slices.Equal(cmds, tc.cmds) {
				t.Errorf("commands %q, want %q", cmds, tc.cmds)
			}
			hosts, _ := os.ReadFile(filepath.Join(root, "etc/hosts"))
			if got := strings.Contains(string(hosts), "::1 grafana.local\n"); got != tc.hosts {
				t.Errorf("hosts block present %v, want %v:\n%s", got, tc.hosts, hosts)
			}
			if _, err := os.Stat(filepath.Join(root, "etc/resolv.conf")); err == nil {
				after := snapshot(t, root)
				if after["etc/resolv.conf"] != before["etc/resolv.conf"] {
					t.Error("/etc/resolv.conf changed")
				}
			}

			// Idempotent: nothing left to do.
			again, err := Plan(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(again.Changes) != 0 {
				t.Errorf("second plan not empty:\n%s", render(root, again))
			}

			// Uninstall restores the tree byte for byte, except the
			// stale devstack file of another domain, which is gone.
			undo, err := PlanUndo(Config{Root: root, OS: tc.os})
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.layout+"-uninstall", render(root, undo))
			if err := Apply(context.Background(), undo, &recorder{}); err != nil {
				t.Fatal(err)
			}
			want := before
			delete(want, "etc/resolver/old-domain")
			// The one byte not restored: a final newline added before the block.
			if h := want["etc/hosts"]; !strings.HasSuffix(h, "\n") {
				want["etc/hosts"] = h + "\n"
			}
			if got := snapshot(t, root); !mapsEqual(got, want) {
				t.Errorf("tree after uninstall differs:\n got %q\nwant %q", got, want)
			}
			if again, _ := PlanUndo(Config{Root: root, OS: tc.os}); len(again.Changes) != 0 {
				t.Errorf("second uninstall plan not empty:\n%s", render(root, again))
			}
		})
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestPlanRefusesForeignFiles(t *testing.T) {
	t.Parallel()
	root := buildTree(t, map[string]string{
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
		if got := Detect(buildTree(t, layouts[tc.layout]), "linux"); got != tc.want {
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
	root := buildTree(t, layouts["linux-resolved"])
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
	root := buildTree(t, layouts["linux-resolved"])
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

func TestElevationOnlyForUnwritableFiles(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write everything")
	}
	t.Parallel()
	root := buildTree(t, layouts["linux-plain"])
	if err := os.Chmod(filepath.Join(root, "etc/hosts"), 0o444); err != nil {
		t.Fatal(err)
	}
	cs, err := Plan(Config{Root: root, OS: "linux", Domains: []string{"local"}, Addr: "127.0.0.1:15353", Hosts: []string{"a.local"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs.NeedsRoot()) != 1 {
		t.Fatalf("%d changes need root, want the read-only /etc/hosts only", len(cs.NeedsRoot()))
	}
	rec := &recorder{}
	if err := Apply(context.Background(), cs, rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.cmds) != 1 || strings.Join(rec.cmds[0], " ") != "sudo -- tee "+filepath.Join(root, "etc/hosts") {
		t.Fatalf("commands %q, want one sudo tee of the hosts file", rec.cmds)
	}
}
