// Package http01 configures HTTP-01 challenges.
package http01

import "time"

// PathPrefix is where HTTP-01 challenge tokens are served (RFC 8555 8.3).
const PathPrefix = "/.well-known/acme-challenge/"

// Challenge is an HTTP-01 solver's settings.
type Challenge struct{}

// ChallengeOption changes a Challenge.
type ChallengeOption func(*Challenge) error

// SetDelay is a no-op here.
func SetDelay(time.Duration) ChallengeOption { return func(*Challenge) error { return nil } }
