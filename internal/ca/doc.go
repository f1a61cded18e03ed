// Package ca is devstack's local certificate authority: one root per user
// and machine, created on first use, and the leaf certificates it signs
// for the ingress.
//
// The root is ECDSA P-256, valid for ten years, named after devstack and
// the user@host it belongs to. Its key is 0600 in a 0700 directory under
// the user's data directory ($XDG_DATA_HOME/devstack/ca, else
// ~/.local/share/devstack/ca), not under the state directory: `devstack
// reset` removes the state, and a CA recreated at every reset would have to
// be trusted again (a sudo prompt and a browser restart) every time.
// Data, not config (config is the user's settings, often synced between
// machines, where a private key does not belong) and not cache (a cache
// may be deleted by anything, at any time).
package ca
