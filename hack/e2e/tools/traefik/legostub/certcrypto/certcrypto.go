// Package certcrypto names certificate key types.
package certcrypto

// KeyType is a certificate key algorithm and size.
type KeyType string

// Key types.
const (
	EC256   = KeyType("P256")
	EC384   = KeyType("P384")
	RSA2048 = KeyType("2048")
	RSA3072 = KeyType("3072")
	RSA4096 = KeyType("4096")
	RSA8192 = KeyType("8192")
)
