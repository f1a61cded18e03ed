package trust

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/golden"
	"github.com/devstack-dev/devstack/internal/testtree"
)

// The CA of the goldens is made once per run, so its fingerprint differs
// between runs: render replaces it (and the PEM lines) with placeholders.
var testNow = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

const owner = "dev@laptop"

// layouts are the machines the tests build as temporary trees: the files
// that matter for detection, and the user's browsers under home/.
var layouts = map[string]struct {
	os    string
	files map[string]string
}{
	"debian": {"linux", map[string]string{
		"etc/os-release":                                      "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n",
		"usr/local/share/ca-certificates/.keep":               "",
		"usr/local/share/ca-certificates/corp.crt":            "the user's own root, left alone\n",
		"home/.mozilla/firefox/ab12.default-release/cert9.db": "",
		"home/.pki/nssdb/cert9.db":                            "",
	}},
	"ubuntu": {"linux", map[string]string{
		"etc/os-release":                        "ID=ubuntu\nID_LIKE=debian\n",
		"usr/local/share/ca-certificates/.keep": "",
		"home/snap/firefox/common/.mozilla/firefox/x1.default/cert9.db": "",
	}},
	"fedora": {"linux", map[string]string{
		"etc/os-release":                        "ID=fedora\nVERSION_ID=43\n",
		"etc/pki/ca-trust/source/anchors/.keep": "",
	}},
	"rhel": {"linux", map[string]string{
		"etc/os-release":                        "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
		"etc/pki/ca-trust/source/anchors/.keep": "",
		"home/.pki/nssdb/cert9.db":              "",
	}},
	"arch": {"linux", map[string]string{
		"etc/os-release": "ID=arch\n",
		"etc/ca-certificates/trust-source/anchors/.keep": "",
		"home/.mozilla/firefox/zz.default/cert9.db":      "",
	}},
	"linux-unknown": {"linux", map[string]string{
		"etc/os-release": "ID=nixos\n",
	}},
	"darwin": {"darwin", map[string]string{
		"home/Library/Application Support/Firefox/Profiles/q9.default/cert9.db": "",
	}},
}

// machine is the fake of the tools: it records the commands and keeps the
// keychain's and the NSS databases' contents.
type machine struct {
	cmds     [][]string
	keychain map[string]bool
	nss      map[string]bool // dir + "|" + nick
}

func newMachine() *machine {
	return &machine{keychain: map[string]bool{}, nss: map[string]bool{}}
}

// Run records argv and carries out what sudo would do to the tree.
func (m *machine) Run(_ context.Context, stdin []byte, argv ...string) error {
	m.cmds = append(m.cmds, argv)
	if argv[0] == "sudo" {
		argv = argv[2:]
	}
	switch {
	case slices.Contains([]string{"install", "cp", "mv", "cmp", "rm", "mkdir", "chmod", "chown", "tee", "truncate", "dd"}, argv[0]):
		// sysfile's file commands, run on the temporary tree
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stdin = bytes.NewReader(stdin)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%q: %w: %s", argv, err, out)
		}
	case argv[0] == "security" && argv[1] == "add-trusted-cert":
		b, err := os.ReadFile(argv[len(argv)-1])
		if err != nil {
			return err
		}
		c, err := ca.ParseCert(b)
		if err != nil {
			return err
		}
		m.keychain[SHA1(c)] = true
	case argv[0] == "security" && argv[1] == "delete-certificate":
		delete(m.keychain, argv[3])
	case strings.HasSuffix(argv[0], "certutil") && argv[1] == "-A":
		m.nss[argv[3]+"|"+argv[7]] = true
	case strings.HasSuffix(argv[0], "certutil") && argv[1] == "-D":
		delete(m.nss, argv[3]+"|"+argv[5])
	}
	return nil
}

func (m *machine) NSSHas(_ context.Context, _, dir, nick string) (bool, error) {
	return m.nss["sql:"+dir+"|"+nick], nil
}

func (m *machine) KeychainHas(_ context.Context, sum string) (bool, error) {
	return m.keychain[sum], nil
}

// testCA makes a CA named after owner, in its own directory.
func testCA(t *testing.T) *ca.CA {
	t.Helper()
	return testCAFor(t, owner)
}

func testCAFor(t *testing.T, who string) *ca.CA {
	t.Helper()
	c, err := ca.CreateFor(filepath.Join(t.TempDir(), "ca"), who, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func config(root, goos string, c *ca.CA, m *machine, certutil bool) Config {
	cfg := Config{
		Root: root, OS: goos, Home: filepath.Join(root, "home"), Owner: owner,
		CA: c.Cert, CAPEM: c.CertPEM, CAFile: filepath.Join(c.Dir, ca.CertFile),
		Inspect: m,
		// As a user sees it: the home is theirs, the rest needs sudo.
		Writable: func(p string) bool { return strings.HasPrefix(p, filepath.Join(root, "home")) },
	}
	if certutil {
		cfg.Certutil = "/usr/bin/certutil"
	}
	return cfg
}

// render is the changeset as --dry-run shows it, with the temporary paths
// and the run's fingerprints replaced.
func render(cs *Changeset, cfg Config, c *ca.CA) string {
	var b strings.Builder
	b.WriteString("layout: " + cs.Layout.Describe() + "\n")
	for _, ch := range cs.Changes {
		b.WriteString(ch.String() + "\n")
		if d := ch.Diff(); d != "" {
			b.WriteString(pemLines(d))
		}
	}
	for _, n := range cs.Notes {
		b.WriteString("note: " + n + "\n")
	}
	s := strings.NewReplacer(
		cfg.Root+"/", "/",
		filepath.Dir(cfg.CAFile), "$CA_DIR",
		ca.Fingerprint(c.Cert)[:16], "<fp16>",
		ca.Fingerprint(c.Cert)[:12], "<fp12>",
		SHA1(c.Cert), "<sha1>",
	).Replace(b.String())
	return s
}

// pemLines keeps the PEM armour of a diff and elides its base64 body.
func pemLines(d string) string {
	var out []string
	elided := false
	for _, l := range strings.Split(strings.TrimSuffix(d, "\n"), "\n") {
		if strings.Contains(l, "-----") || !(strings.HasPrefix(l, "+ ") || strings.HasPrefix(l, "- ")) {
			out = append(out, l)
			elided = false
			continue
		}
		if !elided {
			out = append(out, l[:2]+"<base64>")
			elided = true
		}
	}
	return strings.Join(out, "\n") + "\n"
}

func TestPlanApplyUndoPerLayout(t *testing.T) {
	c := testCA(t)
	for name, l := range layouts {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			root := testtree.Build(t, l.files)
			before := testtree.Snapshot(t, root)
			m := newMachine()
			cfg := config(root, l.os, c, m, true)

			cs, err := Plan(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name+"-install.golden", []byte(render(cs, cfg, c)))
			if err := (Options{Runner: m}).apply(ctx, cs); err != nil {
				t.Fatal(err)
			}
			if again, err := Plan(ctx, cfg); err != nil || len(again.Changes) != 0 {
				t.Fatalf("a second install plans changes (%v): %s", err, render(again, cfg, c))
			}
			stores, _, err := Status(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range stores {
				if !s.Trusted {
					t.Errorf("after install, %s does not trust the root", s.Name)
				}
			}
			if name != "linux-unknown" && len(stores) == 0 {
				t.Error("status lists no stores")
			}

			undo, err := PlanUndo(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name+"-uninstall.golden", []byte(render(undo, cfg, c)))
			if err := (Options{Runner: m}).apply(ctx, undo); err != nil {
				t.Fatal(err)
			}
			if after := testtree.Snapshot(t, root); !maps.Equal(before, after) {
				t.Errorf("install + uninstall changed the tree:\nbefore %v\nafter  %v", before, after)
			}
			if len(m.keychain) != 0 || len(m.nss) != 0 {
				t.Errorf("left in the keychain %v, in NSS %v", m.keychain, m.nss)
			}
			if again, err := PlanUndo(ctx, cfg); err != nil || len(again.Changes) != 0 {
				t.Errorf("a second uninstall plans changes (%v)", err)
			}
		})
	}
}

func TestNoCertutilSaysWhichBrowsers(t *testing.T) {
	t.Parallel()
	c := testCA(t)
	root := testtree.Build(t, layouts["debian"].files)
	cfg := config(root, "linux", c, newMachine(), false)
	cs, err := Plan(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "debian-no-certutil-install.golden", []byte(render(cs, cfg, c)))
	for _, ch := range cs.Changes {
		if strings.Contains(strings.Join(ch.Command, " "), "certutil") {
			t.Errorf("planned %s without certutil", ch)
		}
	}
}

// TestOlderRootsOfTheOwnerGo: a root this user@host had before (a reset
// --all without uninstall, a lost CA directory) is replaced; another
// user's devstack root on the same machine stays.
func TestOlderRootsOfTheOwnerGo(t *testing.T) {
	c := testCA(t)
	old := testCA(t)
	other := testCAFor(t, "someone-else@laptop")
	dir := "usr/local/share/ca-certificates/"
	files := map[string]string{
		"etc/os-release":                     "ID=debian\n",
		dir + AnchorName(old.Cert, ".crt"):   string(old.CertPEM),
		dir + AnchorName(other.Cert, ".crt"): string(other.CertPEM),
	}
	root := testtree.Build(t, files)
	cfg := config(root, "linux", c, newMachine(), true)
	cs, err := Plan(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range cs.Changes {
		got = append(got, string(ch.Action)+" "+filepath.Base(ch.Path)+strings.Join(ch.Command, " "))
	}
	want := []string{
		"remove " + AnchorName(old.Cert, ".crt"),
		"write " + AnchorName(c.Cert, ".crt"),
		"run .update-ca-certificates",
	}
	if !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
	// Uninstall without the CA (it was lost) still finds the owner's files.
	cfg.CA = nil
	undo, err := PlanUndo(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(undo.Changes) != 2 || filepath.Base(undo.Changes[0].Path) != AnchorName(old.Cert, ".crt") {
		t.Errorf("undo without the CA: %v", undo.Changes)
	}
}

func TestSudoOnlyWhereNeeded(t *testing.T) {
	t.Parallel()
	c := testCA(t)
	root := testtree.Build(t, layouts["debian"].files)
	cfg := config(root, "linux", c, newMachine(), true)
	cs, err := Plan(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := newMachine()
	if err := (Options{Runner: m}).apply(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	for _, argv := range m.cmds {
		isSudo := argv[0] == "sudo"
		nss := slices.ContainsFunc(argv, func(a string) bool { return strings.HasSuffix(a, "certutil") })
		if nss == isSudo {
			t.Errorf("%q: NSS databases are the user's (no sudo), the system store is root's", argv)
		}
	}
	cfg.AsRoot = true
	cs, _ = Plan(context.Background(), cfg)
	if n := len(cs.NeedsRoot()); n != 0 {
		t.Errorf("as root, %d changes still ask for sudo", n)
	}
}

func TestUnsupportedOS(t *testing.T) {
	t.Parallel()
	c := testCA(t)
	cfg := config(t.TempDir(), "windows", c, newMachine(), false)
	if _, err := Plan(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "by hand") {
		t.Errorf("windows: %v", err)
	}
}

// poolVerifier verifies against a given pool, in this process.
type poolVerifier struct{ pool *x509.CertPool }

func (v poolVerifier) Verify(ctx context.Context, addr, name string) error {
	return verifyWith(ctx, addr, name, v.pool)
}
