// Package lego is the ACME client.
package lego

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/certcrypto"
	"github.com/go-acme/lego/v5/certificate"
	"github.com/go-acme/lego/v5/challenge"
	"github.com/go-acme/lego/v5/challenge/dns01"
	"github.com/go-acme/lego/v5/challenge/http01"
	"github.com/go-acme/lego/v5/challenge/tlsalpn01"
	"github.com/go-acme/lego/v5/registration"
)

// DirectoryURLLetsEncrypt is Let's Encrypt's production directory.
const DirectoryURLLetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// CertificateConfig tunes certificate requests.
type CertificateConfig struct {
	KeyType certcrypto.KeyType
	Timeout time.Duration
}

// Config configures a Client.
type Config struct {
	CADirURL    string
	User        registration.User
	UserAgent   string
	HTTPClient  *http.Client
	Certificate CertificateConfig
}

// NewConfig returns a Config for user.
func NewConfig(user registration.User) *Config {
	return &Config{CADirURL: DirectoryURLLetsEncrypt, User: user, HTTPClient: http.DefaultClient}
}

// Resolver registers challenge providers.
type Resolver struct{}

// SetDNS01Provider always fails in this stand-in.
func (*Resolver) SetDNS01Provider(challenge.Provider, ...dns01.ChallengeOption) error {
	return acme.ErrUnavailable
}

// SetHTTP01Provider always fails in this stand-in.
func (*Resolver) SetHTTP01Provider(challenge.Provider, ...http01.ChallengeOption) error {
	return acme.ErrUnavailable
}

// SetTLSALPN01Provider always fails in this stand-in.
func (*Resolver) SetTLSALPN01Provider(challenge.Provider, ...tlsalpn01.ChallengeOption) error {
	return acme.ErrUnavailable
}

// Client is an ACME client.
type Client struct {
	Certificate  *certificate.Certifier
	Challenge    *Resolver
	Registration *registration.Registrar
}

// NewClient always fails in this stand-in: no ACME server is reachable.
func NewClient(*Config) (*Client, error) {
	return nil, acme.ErrUnavailable
}

// CreateCertPool reads PEM certificates from paths, on top of the system
// pool when useSystem is set.
func CreateCertPool(paths []string, useSystem bool) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if useSystem {
		if sys, err := x509.SystemCertPool(); err == nil {
			pool = sys
		}
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading CA certificates %s: %w", p, err)
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("no certificates in %s", p)
		}
	}
	return pool, nil
}
