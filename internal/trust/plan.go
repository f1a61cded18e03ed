package trust

import (
	"context"
	"crypto/sha1" //nolint:gosec // macOS's security tool names certificates by SHA-1
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/sysfile"
)

// SystemKeychain is macOS's system-wide keychain.
const SystemKeychain = "/Library/Keychains/System.keychain"

// Inspector answers what a plan must ask the tools rather than the files:
// whether an NSS database or the keychain holds the root already.
type Inspector interface {
	NSSHas(ctx context.Context, certutil, dir, nick string) (bool, error)
	KeychainHas(ctx context.Context, sha1 string) (bool, error)
}

// Config says which root to trust where.
type Config struct {
	// Root is "/" on a real machine and a temporary directory in tests.
	Root string
	// OS is "linux" or "darwin"; empty means this machine's.
	OS string
	// Home is the user's home directory, where the NSS databases are.
	Home string
	// Owner is the user@host whose roots uninstall removes (default
	// ca.Owner()).
	Owner string
	// CA is the root to install; CAFile its file, which certutil and
	// security read. Uninstall needs neither.
	CA     *x509.Certificate
	CAPEM  []byte
	CAFile string
	// Certutil is the path of NSS's certutil, empty when not installed.
	Certutil string
	Inspect  Inspector
	// AsRoot says devstack runs as root: nothing goes through sudo.
	AsRoot bool
	// Writable reports whether this user can write a path without sudo
	// (default: an access(2) check; tests pin it).
	Writable func(path string) bool
}

func (c Config) normalize() (Config, error) {
	if c.Root == "" {
		c.Root = "/"
	}
	if c.OS == "" {
		c.OS = runtime.GOOS
	}
	if c.OS != "linux" && c.OS != "darwin" {
		return c, fmt.Errorf("trusting the CA is supported on macOS and Linux, not %s: import %s by hand", c.OS, c.CAFile)
	}
	if c.Owner == "" {
		c.Owner = ca.Owner()
		if c.CA != nil && len(c.CA.Subject.OrganizationalUnit) > 0 {
			c.Owner = c.CA.Subject.OrganizationalUnit[0]
		}
	}
	if c.Writable == nil {
		c.Writable = sysfile.Current().Writable
	}
	if c.Inspect == nil {
		return c, errors.New("trust: no inspector")
	}
	return c, nil
}

// Change is one change to the machine: shown as osdns shows its own
// (String, Diff), made through sysfile for files (atomic, backed up until
// verified, through sudo one command at a time when needed).
type Change struct {
	osdns.Change
	file *sysfile.Change
}

// Steps lists exactly what Apply does for the change: the command, sudo
// included, or the steps of the file change (see sysfile.Change.Steps).
func (c Change) Steps() []string {
	if c.file != nil {
		return c.file.Steps()
	}
	return c.Change.Steps()
}

// Changeset is a plan: the changes in order, the machine's layout, and
// notes worth telling the user (stores that cannot be reached).
type Changeset struct {
	Layout  Layout   `json:"layout"`
	Changes []Change `json:"changes"`
	Notes   []string `json:"notes,omitempty"`
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

// Nickname is the root's name in NSS databases.
func Nickname(c *x509.Certificate) string {
	return "devstack-" + strings.Join(c.Subject.OrganizationalUnit, "-") + "-" + ca.Fingerprint(c)[:12]
}

// AnchorName is the root's file name in an anchor directory.
func AnchorName(c *x509.Certificate, ext string) string {
	return "devstack-" + ca.Fingerprint(c)[:16] + ext
}

// SHA1 is the certificate's SHA-1, as macOS's security tool names it.
func SHA1(c *x509.Certificate) string {
	sum := sha1.Sum(c.Raw) //nolint:gosec // an identifier, not a signature
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Plan computes the changes that make every store trust cfg.CA, and
// removes this owner's older devstack roots; empty when all is in place.
func Plan(ctx context.Context, cfg Config) (*Changeset, error) {
	if cfg.CA == nil || cfg.CAFile == "" {
		return nil, errors.New("trust: no CA to install")
	}
	return plan(ctx, cfg, true)
}

// PlanUndo computes the changes that remove this owner's devstack roots
// from every store. With cfg.CA nil (the CA was lost) only the anchor
// files can still be found: the keychain and NSS are searched by the root.
func PlanUndo(ctx context.Context, cfg Config) (*Changeset, error) {
	return plan(ctx, cfg, false)
}

func plan(ctx context.Context, cfg Config, install bool) (*Changeset, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	p := &planner{cfg: cfg, cs: &Changeset{Layout: Detect(cfg.Root, cfg.OS, cfg.Home)}}
	switch {
	case cfg.OS == "darwin":
		err = p.keychain(ctx, install)
	case p.cs.Layout.Family != "":
		err = p.anchors(install)
	case install:
		p.cs.Notes = append(p.cs.Notes, "no known system trust store here (Debian/Ubuntu, Fedora/RHEL, Arch): add "+cfg.CAFile+" to it by hand")
	}
	if err != nil {
		return nil, err
	}
	if err := p.nss(ctx, install); err != nil {
		return nil, err
	}
	return p.cs, nil
}

type planner struct {
	cfg Config
	cs  *Changeset
}

func (p *planner) run(argv []string, needsRoot bool, reason string) {
	p.cs.Changes = append(p.cs.Changes, Change{Change: osdns.Change{Action: osdns.Run, Command: argv, NeedsRoot: needsRoot && !p.cfg.AsRoot, Reason: reason}})
}

// file plans a write (anchors are world-readable: 0644) or a removal.
func (p *planner) file(c osdns.Change) error {
	euid := 1 // anyone but root
	if p.cfg.AsRoot {
		euid = 0
	}
	access := sysfile.Access{Euid: euid, Writable: p.cfg.Writable}
	var f sysfile.Change
	var err error
	if c.Action == osdns.Remove {
		f, err = sysfile.PlanRemove(c.Path, access)
	} else {
		f, err = sysfile.PlanWrite(c.Path, c.Content, 0o644, access)
	}
	if err != nil {
		return err
	}
	c.NeedsRoot = f.Sudo
	p.cs.Changes = append(p.cs.Changes, Change{Change: c, file: &f})
	return nil
}

// anchors plans the anchor file and the bundle update on Linux.
func (p *planner) anchors(install bool) error {
	s := stores[p.cs.Layout.Family]
	dir := filepath.Join(p.cfg.Root, s.dir)
	want := ""
	if install {
		want = filepath.Join(dir, AnchorName(p.cfg.CA, s.ext))
	}
	changed := false
	ours, err := p.ownAnchors(dir)
	if err != nil {
		return err
	}
	for _, f := range ours {
		if f.path == want && string(f.content) == string(p.cfg.CAPEM) {
			want = "" // in place already
			continue
		}
		if f.path == want {
			continue // rewritten below
		}
		if err := p.file(osdns.Change{Action: osdns.Remove, Path: f.path, Previous: f.content, Reason: "remove devstack's root " + filepath.Base(f.path)}); err != nil {
			return err
		}
		changed = true
	}
	if want != "" {
		var prev []byte
		if b, err := os.ReadFile(want); err == nil {
			prev = b
		}
		if err := p.file(osdns.Change{Action: osdns.Write, Path: want, Content: p.cfg.CAPEM, Previous: prev, Reason: "add devstack's root (" + p.cfg.Owner + ") to the system's anchors"}); err != nil {
			return err
		}
		changed = true
	}
	if changed {
		cmd := s.update
		if want == "" && s.undo != nil { // only removals: leave no trace
			cmd = s.undo
		}
		p.run(cmd, true, "rebuild the system's certificate bundles from the anchors")
	}
	return nil
}

type anchorFile struct {
	path    string
	content []byte
}

// ownAnchors lists the devstack-* files in dir whose root is devstack's
// and this owner's; another user's root on the same machine is left alone.
func (p *planner) ownAnchors(dir string) ([]anchorFile, error) {
	m, err := filepath.Glob(filepath.Join(dir, "devstack-*"))
	if err != nil {
		return nil, err
	}
	slices.Sort(m)
	var out []anchorFile
	for _, path := range m {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		c, err := ca.ParseCert(b)
		if err != nil || !slices.Contains(c.Subject.Organization, ca.Organization) ||
			!slices.Equal(c.Subject.OrganizationalUnit, []string{p.cfg.Owner}) {
			continue
		}
		out = append(out, anchorFile{path, b})
	}
	return out, nil
}

// keychain plans macOS's System keychain.
func (p *planner) keychain(ctx context.Context, install bool) error {
	if p.cfg.CA == nil || p.cfg.CAFile == "" {
		if !install {
			p.cs.Notes = append(p.cs.Notes, "the CA is gone: remove any \"devstack "+p.cfg.Owner+"\" certificate from the System keychain in Keychain Access")
		}
		return nil
	}
	sum := SHA1(p.cfg.CA)
	has, err := p.cfg.Inspect.KeychainHas(ctx, sum)
	if err != nil {
		return fmt.Errorf("reading the System keychain: %w", err)
	}
	switch {
	case install && !has:
		p.run([]string{"security", "add-trusted-cert", "-d", "-r", "trustRoot", "-k", SystemKeychain, p.cfg.CAFile}, true,
			"add devstack's root ("+p.cfg.Owner+") to the System keychain as a trusted root (macOS may ask for your password in a dialog too)")
	case !install && has:
		p.run([]string{"security", "remove-trusted-cert", "-d", p.cfg.CAFile}, true,
			"remove the admin trust settings of devstack's root ("+p.cfg.Owner+")")
		p.run([]string{"security", "delete-certificate", "-Z", sum, SystemKeychain}, true,
			"remove devstack's root ("+p.cfg.Owner+") from the System keychain")
	}
	return nil
}

// nss plans every NSS database found; without certutil, it says which
// browsers will not trust the root.
func (p *planner) nss(ctx context.Context, install bool) error {
	dbs := p.cs.Layout.NSS
	if len(dbs) == 0 {
		return nil
	}
	if p.cfg.Certutil == "" {
		if install {
			var names []string
			for _, db := range dbs {
				names = append(names, db.Browser)
			}
			p.cs.Notes = append(p.cs.Notes, "certutil is not installed, so "+strings.Join(names, ", ")+
				" will not trust devstack's root: install it (Debian/Ubuntu libnss3-tools, Fedora nss-tools, Arch nss, macOS `brew install nss`) and run `devstack trust install` again")
		}
		return nil
	}
	if p.cfg.CA == nil {
		return nil
	}
	nick := Nickname(p.cfg.CA)
	for _, db := range dbs {
		has, err := p.cfg.Inspect.NSSHas(ctx, p.cfg.Certutil, db.Dir, nick)
		if err != nil {
			return fmt.Errorf("reading %s's certificates: %w", db.Browser, err)
		}
		switch {
		case install && !has:
			p.run([]string{p.cfg.Certutil, "-A", "-d", "sql:" + db.Dir, "-t", "C,,", "-n", nick, "-i", p.cfg.CAFile}, false,
				"make "+db.Browser+" trust devstack's root")
		case !install && has:
			p.run([]string{p.cfg.Certutil, "-D", "-d", "sql:" + db.Dir, "-n", nick}, false,
				"remove devstack's root from "+db.Browser)
		}
	}
	return nil
}
