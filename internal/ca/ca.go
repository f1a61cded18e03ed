package ca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/user"
	"path/filepath"
	"time"

	"github.com/devstack-dev/devstack/internal/sysfile"
)

// EnvDir overrides the CA's directory (tests and CI keep it in a
// temporary tree).
const EnvDir = "DEVSTACK_CA_DIR"

// Organization is the subject organization of every certificate devstack
// issues; the trust stores find devstack's roots by it.
const Organization = "devstack development CA"

// File names inside the CA directory.
const (
	CertFile = "rootCA.pem"
	KeyFile  = "rootCA-key.pem"
)

// RootValidity is how long a new root is valid: long enough never to be
// renewed on a laptop, where a new root means trusting it again.
const RootValidity = 10 * 365 * 24 * time.Hour

// Dir is the CA's directory: $DEVSTACK_CA_DIR, else
// $XDG_DATA_HOME/devstack/ca, else ~/.local/share/devstack/ca.
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "devstack", "ca"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the CA directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "devstack", "ca"), nil
}

// CA is a loaded root: its certificate and its signing key.
type CA struct {
	Dir  string
	Cert *x509.Certificate
	// CertPEM is the certificate as stored (what the trust stores get).
	CertPEM []byte
	key     crypto.Signer
}

// ErrNoCA says the directory holds no CA yet.
var ErrNoCA = errors.New("no devstack CA")

// Load reads the CA in dir; ErrNoCA (wrapped) when there is none.
func Load(dir string) (*CA, error) {
	certPEM, err := os.ReadFile(filepath.Join(dir, CertFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoCA, dir)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the CA: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, fmt.Errorf("reading the CA key: %w (remove %s to start with a new CA)", err, dir)
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, CertFile), err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, KeyFile), err)
	}
	if !publicKeyMatches(cert, key) {
		return nil, fmt.Errorf("%s does not belong to %s: remove %s to start with a new CA", KeyFile, CertFile, dir)
	}
	return &CA{Dir: dir, Cert: cert, CertPEM: certPEM, key: key}, nil
}

// LoadOrCreate loads the CA in dir, creating it first when there is none;
// created says which.
func LoadOrCreate(dir string, now time.Time) (c *CA, created bool, err error) {
	c, err = Load(dir)
	if !errors.Is(err, ErrNoCA) {
		return c, false, err
	}
	c, err = Create(dir, now)
	return c, err == nil, err
}

// Create makes a new root for this user@host in dir (0700), the key 0600,
// and refuses to overwrite an existing one.
func Create(dir string, now time.Time) (*CA, error) {
	return CreateFor(dir, Owner(), now)
}

// CreateFor is Create with the owner named.
func CreateFor(dir, owner string, now time.Time) (*CA, error) {
	if _, err := os.Stat(filepath.Join(dir, CertFile)); err == nil {
		return nil, fmt.Errorf("a CA exists already in %s", dir)
	}
	key, serial, skid, err := newKey("CA")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization:       []string{Organization},
			OrganizationalUnit: []string{owner},
			CommonName:         "devstack " + owner,
		},
		NotBefore:             now.Add(-time.Hour), // clocks of pods and VMs drift
		NotAfter:              now.Add(RootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		// One level below it: the name-constrained intermediate that
		// backs cert-manager in the cluster (IssueIntermediate).
		MaxPathLen:   1,
		SubjectKeyId: skid,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating the CA certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := ensurePrivateDir(dir); err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	// The key first: a certificate without its key would make Load fail
	// forever, a key without its certificate is replaced by the next run.
	if err := sysfile.WriteFile(filepath.Join(dir, KeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	if err := sysfile.WriteFile(filepath.Join(dir, CertFile), certPEM, 0o644); err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	return &CA{Dir: dir, Cert: cert, CertPEM: certPEM, key: key}, nil
}

// Remove deletes the CA directory. The trust stores must have let go of
// the root first (devstack reset --all does both, in that order).
func Remove(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing the CA: %w", err)
	}
	return nil
}

// Owner is the user@host a new root is named after.
func Owner() string {
	name := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return name + "@" + host
}

// Fingerprint is the SHA-256 of the certificate, in hex.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// Pool is a certificate pool holding only this root.
func (c *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Cert)
	return p
}

// ParseCert decodes the first PEM certificate of b.
func ParseCert(b []byte) (*x509.Certificate, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("no PEM certificate")
		}
		if blk.Type == "CERTIFICATE" {
			return x509.ParseCertificate(blk.Bytes)
		}
	}
}

func parseKey(b []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM key")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", k)
	}
	return s, nil
}

func publicKeyMatches(c *x509.Certificate, k crypto.Signer) bool {
	pub, ok := c.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(k.Public())
}

// newKey is a fresh P-256 key with a random serial for its certificate and
// its subject key identifier; what names it in errors.
func newKey(what string) (*ecdsa.PrivateKey, *big.Int, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("generating the %s key: %w", what, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, nil, err
	}
	skid, err := keyID(&key.PublicKey)
	if err != nil {
		return nil, nil, nil, err
	}
	return key, serial, skid, nil
}

// sign signs tmpl for key with the root, never valid past the root, and
// returns the certificate and key as PEM.
func (c *CA) sign(tmpl *x509.Certificate, key *ecdsa.PrivateKey, what string) (*Leaf, error) {
	if tmpl.NotAfter.After(c.Cert.NotAfter) {
		tmpl.NotAfter = c.Cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &key.PublicKey, c.key)
	if err != nil {
		return nil, fmt.Errorf("signing the %s: %w", what, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	return &Leaf{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		Cert:    cert,
	}, nil
}

func randomSerial() (*big.Int, error) {
	s, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	return s, nil
}

// keyID is the SHA-1-free key identifier of RFC 7093 method 1: the
// leftmost 160 bits of the SHA-256 of the public key.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.PublicKey.Bytes)
	return sum[:20], nil
}
