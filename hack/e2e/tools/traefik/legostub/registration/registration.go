// Package registration registers ACME accounts.
package registration

import (
	"context"
	"crypto"

	"github.com/go-acme/lego/v5/acme"
)

// User is an ACME account holder.
type User interface {
	GetEmail() string
	GetRegistration() *acme.ExtendedAccount
	GetPrivateKey() crypto.Signer
}

// RegisterOptions tune a registration.
type RegisterOptions struct {
	TermsOfServiceAgreed bool
}

// RegisterEABOptions tune a registration with external account binding.
type RegisterEABOptions struct {
	TermsOfServiceAgreed bool
	Kid                  string
	HmacEncoded          string
}

// Registrar registers accounts.
type Registrar struct{}

// Register always fails in this stand-in.
func (*Registrar) Register(context.Context, RegisterOptions) (*acme.ExtendedAccount, error) {
	return nil, acme.ErrUnavailable
}

// RegisterWithExternalAccountBinding always fails in this stand-in.
func (*Registrar) RegisterWithExternalAccountBinding(context.Context, RegisterEABOptions) (*acme.ExtendedAccount, error) {
	return nil, acme.ErrUnavailable
}
