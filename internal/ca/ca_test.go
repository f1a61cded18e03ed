package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func newCA(t *testing.T) *CA {
	t.Helper()
	c, created, err := LoadOrCreate(filepath.Join(t.TempDir(), "data", "devstack", "ca"), now)
	if err != nil || !created {
		t.Fatalf("LoadOrCreate: created=%v err=%v", created, err)
	}
	return c
}

func TestCreateRoot(t *testing.T) {
	t.Parallel()
	c := newCA(t)
	r := c.Cert
	if !r.IsCA || !r.BasicConstraintsValid || r.MaxPathLen != 0 || !r.MaxPathLenZero {
		t.Errorf("basic constraints: IsCA=%v valid=%v maxPathLen=%d zero=%v", r.IsCA, r.BasicConstraintsValid, r.MaxPathLen, r.MaxPathLenZero)
	}
	if r.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("key usage %v, want cert sign | CRL sign", r.KeyUsage)
	}
	pub, ok := r.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", r.PublicKey)
	}
	if got := r.NotAfter.Sub(now); got < 9*365*24*time.Hour {
		t.Errorf("root valid for %v, want about ten years", got)
	}
	owner := Owner()
	if !strings.Contains(r.Subject.CommonName, "devstack") || !strings.Contains(r.Subject.CommonName, owner) ||
		!slices.Equal(r.Subject.Organization, []string{Organization}) || !slices.Equal(r.Subject.OrganizationalUnit, []string{owner}) {
		t.Errorf("subject %q, want devstack and %s", r.Subject, owner)
	}
	if len(r.SubjectKeyId) != 20 {
		t.Errorf("subject key id %x", r.SubjectKeyId)
	}
	if err := r.CheckSignatureFrom(r); err != nil {
		t.Errorf("not self-signed: %v", err)
	}
	modes := map[string]os.FileMode{c.Dir: 0o700, filepath.Join(c.Dir, KeyFile): 0o600, filepath.Join(c.Dir, CertFile): 0o644}
	for p, want := range modes {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", p, fi.Mode().Perm(), want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(c.Dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestLoadOrCreateKeepsTheRoot(t *testing.T) {
	t.Parallel()
	c := newCA(t)
	again, created, err := LoadOrCreate(c.Dir, now.Add(time.Hour))
	if err != nil || created {
		t.Fatalf("second LoadOrCreate: created=%v err=%v", created, err)
	}
	if !again.Cert.Equal(c.Cert) {
		t.Error("second LoadOrCreate made a new root")
	}
	if _, err := Create(c.Dir, now); err == nil {
		t.Error("Create overwrote an existing CA")
	}
}

func TestLoadFailures(t *testing.T) {
	t.Parallel()
	if _, err := Load(t.TempDir()); !errors.Is(err, ErrNoCA) {
		t.Errorf("empty dir: %v, want ErrNoCA", err)
	}
	a, b := newCA(t), newCA(t)
	key, _ := os.ReadFile(filepath.Join(b.Dir, KeyFile))
	if err := os.WriteFile(filepath.Join(a.Dir, KeyFile), key, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(a.Dir); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("mismatched key: %v", err)
	}
	if err := os.WriteFile(filepath.Join(a.Dir, CertFile), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(a.Dir); err == nil || !strings.Contains(err.Error(), CertFile) {
		t.Errorf("junk certificate: %v", err)
	}
}

func TestIssueLeaf(t *testing.T) {
	t.Parallel()
	c := newCA(t)
	hosts := []string{"n8n.local", "Grafana.local.", "grafana.local", "127.0.0.1", "::1", "localhost"}
	leaf, err := c.Issue(hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	l := leaf.Cert
	if want := []string{"grafana.local", "localhost", "n8n.local"}; !slices.Equal(l.DNSNames, want) {
		t.Errorf("DNS SANs %v, want %v", l.DNSNames, want)
	}
	if len(l.IPAddresses) != 2 || !l.IPAddresses[0].Equal(net.ParseIP("127.0.0.1")) || !l.IPAddresses[1].Equal(net.IPv6loopback) {
		t.Errorf("IP SANs %v", l.IPAddresses)
	}
	if l.IsCA || l.KeyUsage != x509.KeyUsageDigitalSignature || !slices.Equal(l.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("leaf: IsCA=%v key usage %v ext %v", l.IsCA, l.KeyUsage, l.ExtKeyUsage)
	}
	if d := l.NotAfter.Sub(l.NotBefore); d > 825*24*time.Hour || d < 300*24*time.Hour {
		t.Errorf("leaf valid for %v: want about a year, under macOS's 825 days", d)
	}
	if !slices.Equal(l.AuthorityKeyId, c.Cert.SubjectKeyId) {
		t.Error("authority key id is not the root's key id")
	}
	for _, h := range []string{"grafana.local", "n8n.local", "127.0.0.1"} {
		if _, err := l.Verify(x509.VerifyOptions{DNSName: h, Roots: c.Pool(), CurrentTime: now}); err != nil {
			t.Errorf("verify %s: %v", h, err)
		}
	}
	if _, err := l.Verify(x509.VerifyOptions{DNSName: "other.local", Roots: c.Pool(), CurrentTime: now}); err == nil {
		t.Error("the leaf verifies for a host it does not name")
	}
	if _, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM); err != nil {
		t.Errorf("the PEM pair is not a TLS key pair: %v", err)
	}
}

func TestIssueRefuses(t *testing.T) {
	t.Parallel()
	c := newCA(t)
	for _, hosts := range [][]string{nil, {""}, {"*.local"}, {"bad host"}, {"a/b"}} {
		if _, err := c.Issue(hosts, now); err == nil {
			t.Errorf("Issue(%q) succeeded", hosts)
		}
	}
	if _, err := c.Issue([]string{"*.apps.local"}, now); err != nil {
		t.Errorf("a wildcard under a second-level name is fine: %v", err)
	}
}

func TestLeafNeverOutlivesTheRoot(t *testing.T) {
	t.Parallel()
	c := newCA(t)
	leaf, err := c.Issue([]string{"a.local"}, c.Cert.NotAfter.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Cert.NotAfter.After(c.Cert.NotAfter) {
		t.Errorf("leaf ends %v, after the root (%v)", leaf.Cert.NotAfter, c.Cert.NotAfter)
	}
}

func TestRenewal(t *testing.T) {
	t.Parallel()
	c, other := newCA(t), newCA(t)
	hosts := []string{"a.local", "b.local"}
	leaf, err := c.Issue(hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Issue(hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		cert  []byte
		hosts []string
		at    time.Time
		want  string // substring; "" means no renewal
	}{
		{"fresh", leaf.CertPEM, hosts, now, ""},
		{"same hosts in another order", leaf.CertPEM, []string{"b.local", "A.local"}, now, ""},
		{"host added", leaf.CertPEM, append(hosts, "c.local"), now, "hosts changed"},
		{"host removed", leaf.CertPEM, hosts[:1], now, "hosts changed"},
		{"near expiry", leaf.CertPEM, hosts, now.Add(LeafValidity - RenewBefore + time.Hour), "expires"},
		{"expired", leaf.CertPEM, hosts, now.Add(LeafValidity + time.Hour), "not valid"},
		{"another CA", foreign.CertPEM, hosts, now, "not valid"},
		{"garbage", []byte("x"), hosts, now, "no valid certificate"},
	}
	for _, tc := range cases {
		got := c.Renewal(tc.cert, tc.hosts, tc.at)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: Renewal = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDir(t *testing.T) {
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_DATA_HOME", "/xdg/data")
	if d, _ := Dir(); d != "/xdg/data/devstack/ca" {
		t.Errorf("Dir with XDG_DATA_HOME = %s", d)
	}
	t.Setenv("XDG_DATA_HOME", "relative") // the spec says to ignore it
	t.Setenv("HOME", "/home/u")
	if d, _ := Dir(); d != "/home/u/.local/share/devstack/ca" {
		t.Errorf("Dir with a relative XDG_DATA_HOME = %s", d)
	}
	t.Setenv(EnvDir, "/tmp/ca")
	if d, _ := Dir(); d != "/tmp/ca" {
		t.Errorf("Dir with %s = %s", EnvDir, d)
	}
}
