// Package dns finds DNS-01 providers by name.
package dns

import (
	"fmt"

	"github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/challenge"
)

// NewDNSChallengeProviderByName always fails in this stand-in.
func NewDNSChallengeProviderByName(name string) (challenge.Provider, error) {
	return nil, fmt.Errorf("DNS provider %q: %w", name, acme.ErrUnavailable)
}
