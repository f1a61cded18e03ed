// Package dns01 configures DNS-01 challenges.
package dns01

import (
	"strings"
	"time"
)

// Options configure the DNS client used for propagation checks.
type Options struct {
	RecursiveNameservers []string
	Timeout              time.Duration
}

// Client resolves records for propagation checks.
type Client struct{ opts Options }

// NewClient returns a client with opts.
func NewClient(opts *Options) *Client {
	c := &Client{}
	if opts != nil {
		c.opts = *opts
	}
	return c
}

// SetDefaultClient sets the package's client.
func SetDefaultClient(*Client) {}

// Challenge is a DNS-01 challenge solver's settings.
type Challenge struct{}

// ChallengeOption changes a Challenge.
type ChallengeOption func(*Challenge) error

// CondOptions applies opts only when cond holds.
func CondOptions(cond bool, opts ...ChallengeOption) ChallengeOption {
	return func(c *Challenge) error {
		if !cond {
			return nil
		}
		for _, o := range opts {
			if err := o(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// DisableAuthoritativeNssPropagationRequirement is a no-op here.
func DisableAuthoritativeNssPropagationRequirement() ChallengeOption {
	return func(*Challenge) error { return nil }
}

// DisableRecursiveNSsPropagationRequirement is a no-op here.
func DisableRecursiveNSsPropagationRequirement() ChallengeOption {
	return func(*Challenge) error { return nil }
}

// PropagationWait is a no-op here.
func PropagationWait(time.Duration, bool) ChallengeOption {
	return func(*Challenge) error { return nil }
}

// UnFqdn removes the trailing dot of a fully qualified name.
func UnFqdn(name string) string {
	return strings.TrimSuffix(name, ".")
}
