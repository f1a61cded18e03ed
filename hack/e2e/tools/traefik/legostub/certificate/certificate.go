// Package certificate describes certificate requests and results.
package certificate

import (
	"context"
	"crypto"
	"time"

	"github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/certcrypto"
)

// Resource is an issued certificate.
type Resource struct {
	ID                string   `json:"id,omitempty"`
	Domain            string   `json:"domain,omitempty"`
	Domains           []string `json:"domains,omitempty"`
	CertURL           string   `json:"certUrl,omitempty"`
	CertStableURL     string   `json:"certStableUrl,omitempty"`
	PrivateKey        []byte   `json:"-"`
	Certificate       []byte   `json:"-"`
	IssuerCertificate []byte   `json:"-"`
	CSR               []byte   `json:"-"`
}

// ObtainRequest asks for a new certificate.
type ObtainRequest struct {
	Domains          []string
	PrivateKey       crypto.PrivateKey
	KeyType          certcrypto.KeyType
	Bundle           bool
	MustStaple       bool
	EmailAddresses   []string
	NotBefore        time.Time
	NotAfter         time.Time
	Profile          string
	PreferredChain   string
	EnableCommonName bool
}

// RenewOptions tune a renewal.
type RenewOptions struct {
	NotBefore        time.Time
	NotAfter         time.Time
	Bundle           bool
	PreferredChain   string
	Profile          string
	EmailAddresses   []string
	EnableCommonName bool
	MustStaple       bool
}

// Certifier obtains and renews certificates.
type Certifier struct{}

// Obtain always fails in this stand-in.
func (*Certifier) Obtain(context.Context, ObtainRequest) (*Resource, error) {
	return nil, acme.ErrUnavailable
}

// Renew always fails in this stand-in.
func (*Certifier) Renew(context.Context, Resource, *RenewOptions) (*Resource, error) {
	return nil, acme.ErrUnavailable
}
