// Package tlsalpn01 configures TLS-ALPN-01 challenges.
package tlsalpn01

import (
	"time"

	"github.com/go-acme/lego/v5/acme"
)

// ACMETLS1Protocol is the ALPN protocol of TLS-ALPN-01 (RFC 8737).
const ACMETLS1Protocol = "acme-tls/1"

// Challenge is a TLS-ALPN-01 solver's settings.
type Challenge struct{}

// ChallengeOption changes a Challenge.
type ChallengeOption func(*Challenge) error

// SetDelay is a no-op here.
func SetDelay(time.Duration) ChallengeOption { return func(*Challenge) error { return nil } }

// ChallengeBlocks always fails in this stand-in.
func ChallengeBlocks(domain, keyAuth string) ([]byte, []byte, error) {
	return nil, nil, acme.ErrUnavailable
}
