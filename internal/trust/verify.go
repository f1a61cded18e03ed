package trust

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/ca"
)

// ProbeHost is the name the verification's leaf is issued for. Nothing
// resolves it: the client dials the loopback server directly.
const ProbeHost = "devstack-trust-check.localhost"

// Verifier makes a TLS handshake with addr, checking the certificate for
// serverName against the system roots.
type Verifier interface {
	Verify(ctx context.Context, addr, serverName string) error
}

// SystemVerifier verifies in this process: crypto/tls with no RootCAs uses
// x509.SystemCertPool (on macOS, the platform verifier and its keychains).
type SystemVerifier struct{}

// Verify implements Verifier.
func (SystemVerifier) Verify(ctx context.Context, addr, serverName string) error {
	return verifyWith(ctx, addr, serverName, nil)
}

// verifyWith handshakes with addr against roots (nil: the system's).
func verifyWith(ctx context.Context, addr, serverName string, roots *x509.CertPool) error {
	d := tls.Dialer{Config: &tls.Config{ServerName: serverName, RootCAs: roots, MinVersion: tls.VersionTLS12}}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

// ExecVerifier runs Argv followed by addr and serverName in a new process
// that verifies with SystemVerifier: Go reads the system roots once per
// process on Linux, so only a fresh process sees the bundle an install
// just rebuilt (as a freshly started curl or browser would).
type ExecVerifier struct{ Argv []string }

// Verify implements Verifier.
func (v ExecVerifier) Verify(ctx context.Context, addr, serverName string) error {
	argv := append(append([]string(nil), v.Argv...), addr, serverName)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(out.String()); msg != "" {
			return errors.New(strings.TrimPrefix(msg, "Error: "))
		}
		return err
	}
	return nil
}

// Handshake proves the system trusts c: it serves a leaf from c on a
// loopback port and has v verify it against the system roots.
func Handshake(ctx context.Context, c *ca.CA, v Verifier) error {
	leaf, err := c.Issue([]string{ProbeHost}, time.Now())
	if err != nil {
		return err
	}
	pair, err := tls.X509KeyPair(leaf.CertPEM, leaf.KeyPEM)
	if err != nil {
		return err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return fmt.Errorf("starting the check's TLS server: %w", err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
				_ = conn.(*tls.Conn).Handshake()
				conn.Close()
			}()
		}
	}()
	if err := v.Verify(ctx, ln.Addr().String(), ProbeHost); err != nil {
		return fmt.Errorf("a TLS handshake with a certificate from devstack's CA failed against the system roots: %w", err)
	}
	return nil
}

// ExecInspector asks certutil and security.
type ExecInspector struct{}

// NSSHas implements Inspector: certutil -L -n exits non-zero when the
// database has no such nickname.
func (ExecInspector) NSSHas(ctx context.Context, certutil, dir, nick string) (bool, error) {
	out, err := exec.CommandContext(ctx, certutil, "-L", "-d", "sql:"+dir, "-n", nick).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && bytes.Contains(bytes.ToLower(out), []byte("could not find")):
		return false, nil
	case errors.As(err, &exit):
		return false, fmt.Errorf("certutil -L -d sql:%s: %s", dir, strings.TrimSpace(string(out)))
	}
	return false, err
}

// KeychainHas implements Inspector.
func (ExecInspector) KeychainHas(ctx context.Context, sha1 string) (bool, error) {
	out, err := exec.CommandContext(ctx, "security", "find-certificate", "-a", "-Z", SystemKeychain).Output()
	if err != nil {
		return false, fmt.Errorf("security find-certificate: %w", err)
	}
	return bytes.Contains(out, []byte("SHA-1 hash: "+sha1)), nil
}

// Certutil is the path of NSS's certutil, or "" when it is not installed.
func Certutil() string {
	p, err := exec.LookPath("certutil")
	if err != nil {
		return ""
	}
	return p
}
