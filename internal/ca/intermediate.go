package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
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
	key, serial, skid, err := newKey("intermediate")
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
	return c.sign(tmpl, key, "intermediate")
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
