package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"slices"
	"time"
)

// IntermediateValidity bounds the cluster's signing CA; up renews it
// with the leaf's rule (RenewBefore).
const IntermediateValidity = 365 * 24 * time.Hour

// IssueIntermediate signs a CA for the cluster (cert-manager's
// ClusterIssuer), name-constrained to domains: its key lives in a Secret,
// and whoever reads that Secret can then only mint certificates for the
// stack's own names, never for a bank's, although the browsers trust the
// root. The root's key never leaves the machine.
func (c *CA) IssueIntermediate(domains []string, now time.Time) (*Leaf, error) {
	permitted, err := SANs(domains)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the intermediate key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	skid, err := keyID(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			Organization:       []string{Organization},
			OrganizationalUnit: slices.Clone(c.Cert.Subject.OrganizationalUnit),
			CommonName:         "devstack cluster CA " + c.Cert.Subject.OrganizationalUnit[0],
		},
		NotBefore:                   now.Add(-time.Hour),
		NotAfter:                    now.Add(IntermediateValidity),
		KeyUsage:                    x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid:       true,
		IsCA:                        true,
		MaxPathLenZero:              true,
		SubjectKeyId:                skid,
		PermittedDNSDomainsCritical: true,
		PermittedDNSDomains:         permitted,
	}
	if tmpl.NotAfter.After(c.Cert.NotAfter) {
		tmpl.NotAfter = c.Cert.NotAfter
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.Cert, &key.PublicKey, c.key)
	if err != nil {
		return nil, fmt.Errorf("signing the intermediate: %w", err)
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

// IntermediateRenewal is Renewal for an intermediate: "" while it is this
// root's, constrained to exactly domains and not near its end.
func (c *CA) IntermediateRenewal(certPEM []byte, domains []string, now time.Time) string {
	cert, err := ParseCert(certPEM)
	if err != nil {
		return "no valid intermediate stored"
	}
	if err := cert.CheckSignatureFrom(c.Cert); err != nil || !cert.IsCA {
		return "the stored intermediate is not this CA's"
	}
	want, err := SANs(domains)
	if err != nil {
		return err.Error()
	}
	if !slices.Equal(cert.PermittedDNSDomains, want) {
		return "the stack's domains changed"
	}
	if cert.NotAfter.Sub(now) < RenewBefore {
		return "it expires on " + cert.NotAfter.UTC().Format(time.DateOnly)
	}
	return ""
}
