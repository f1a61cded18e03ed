// Package challenge defines what solves an ACME challenge.
package challenge

import "context"

// Provider presents and cleans up a challenge response.
type Provider interface {
	Present(ctx context.Context, domain, token, keyAuth string) error
	CleanUp(ctx context.Context, domain, token, keyAuth string) error
}
