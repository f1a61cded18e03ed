// Package acme holds the ACME account types Traefik stores.
package acme

import (
	"encoding/json"
	"errors"
)

// ErrUnavailable is returned by every ACME operation of this stand-in.
var ErrUnavailable = errors.New("ACME is not available in this build of Traefik (devstack end-to-end image)")

// Account is an ACME account as the server describes it.
type Account struct {
	Status                 string          `json:"status,omitempty"`
	Contact                []string        `json:"contact,omitempty"`
	TermsOfServiceAgreed   bool            `json:"termsOfServiceAgreed,omitempty"`
	Orders                 string          `json:"orders,omitempty"`
	OnlyReturnExisting     bool            `json:"onlyReturnExisting,omitempty"`
	ExternalAccountBinding json.RawMessage `json:"externalAccountBinding,omitempty"`
}

// ExtendedAccount is an Account with its URL.
type ExtendedAccount struct {
	Account
	Location string `json:"-"`
}
