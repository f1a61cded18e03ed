package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// LeafValidity is how long a leaf is valid. It stays under the 825 days
// macOS accepts for server certificates from a user-trusted root, and up
// re-issues it well before it ends (RenewBefore).
const LeafValidity = 365 * 24 * time.Hour

// RenewBefore is how long before its end a leaf is re-issued.
const RenewBefore = 30 * 24 * time.Hour

// Leaf is a server certificate and its key, PEM encoded (the form of a
// kubernetes.io/tls Secret).
type Leaf struct {
	CertPEM []byte
	KeyPEM  []byte
	Cert    *x509.Certificate
}

// SANs normalizes host names for a certificate: lower case, no trailing
// dot, sorted, no duplicates. IP literals stay as they are.
func SANs(hosts []string) ([]string, error) {
	var out []string
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "."))
		if h == "" {
			continue
		}
		if strings.HasPrefix(h, "*.") && !strings.Contains(h[2:], ".") {
			// Browsers refuse a wildcard over a whole top-level domain.
			return nil, fmt.Errorf("host %q: a wildcard over a top-level domain is refused by browsers; name each host", h)
		}
		if strings.ContainsAny(h, " /\\:@") && net.ParseIP(h) == nil {
			return nil, fmt.Errorf("host %q is not a DNS name", h)
		}
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return nil, errors.New("no host names for the certificate")
	}
	return out, nil
}

// Issue signs a server certificate for hosts (DNS names or IPs), valid
// from now for LeafValidity.
func (c *CA) Issue(hosts []string, now time.Time) (*Leaf, error) {
	names, err := SANs(hosts)
	if err != nil {
		return nil, err
	}
	key, serial, _, err := newKey("certificate")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization:       []string{Organization},
			OrganizationalUnit: slices.Clone(c.Cert.Subject.OrganizationalUnit),
			CommonName:         names[0],
		},
		NotBefore: now.Add(-time.Hour),
		NotAfter:  now.Add(LeafValidity),
		// ECDSA keys sign; they do not encipher keys.
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	return c.sign(tmpl, key, "certificate")
}

// Renewal says why a stored leaf must be re-issued for hosts at now, or ""
// when it is still good: signed by this CA, naming exactly these hosts,
// and not near its end.
func (c *CA) Renewal(certPEM []byte, hosts []string, now time.Time) string {
	cert, err := ParseCert(certPEM)
	if err != nil {
		return "no valid certificate stored"
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: c.Pool(), CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		return "the stored certificate is not valid under this CA: " + err.Error()
	}
	want, err := SANs(hosts)
	if err != nil {
		return err.Error()
	}
	var have []string
	for _, ip := range cert.IPAddresses {
		have = append(have, ip.String())
	}
	have, _ = SANs(append(have, cert.DNSNames...))
	if !slices.Equal(have, want) {
		return "the plan's hosts changed"
	}
	if cert.NotAfter.Sub(now) < RenewBefore {
		return fmt.Sprintf("it expires on %s", cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return ""
}
