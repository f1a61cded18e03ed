package trust

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/ca"
)

// envProbe makes the test binary act as the probe process ExecVerifier
// runs (devstack runs its hidden `trust probe` command).
const envProbe = "DEVSTACK_TRUST_TEST_PROBE"

func TestMain(m *testing.M) {
	if os.Getenv(envProbe) != "" {
		args := os.Args[len(os.Args)-2:]
		if err := (SystemVerifier{}).Verify(context.Background(), args[0], args[1]); err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestHandshakeAgainstTheCA(t *testing.T) {
	t.Parallel()
	c := testCA(t)
	if err := Handshake(context.Background(), c, poolVerifier{c.Pool()}); err != nil {
		t.Errorf("verified against the CA itself: %v", err)
	}
	other := testCA(t)
	if err := Handshake(context.Background(), c, poolVerifier{other.Pool()}); err == nil {
		t.Error("a handshake verified against another CA succeeded")
	}
}

// TestHandshakeInAFreshProcess runs the verification as devstack does, in
// a new process using the system roots; SSL_CERT_FILE stands in for the
// bundle an update command rebuilds (Go on Linux reads it at start).
func TestHandshakeInAFreshProcess(t *testing.T) {
	if os.Getenv("SSL_CERT_FILE") != "" || (os.Getenv("GOOS") != "" && os.Getenv("GOOS") != "linux") {
		t.Skip("needs control of SSL_CERT_FILE")
	}
	c := testCA(t)
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	v := ExecVerifier{Argv: []string{"env", envProbe + "=1", "SSL_CERT_FILE=" + bundle, "SSL_CERT_DIR=" + filepath.Dir(bundle), exe, "-test.run=^$"}}

	if err := os.WriteFile(bundle, []byte{}, 0o644); err != nil {
		t.Fatal(err)
	}
	err = Handshake(context.Background(), c, v)
	if err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("a bundle without the root: %v, want a verification failure", err)
	}
	if err := os.WriteFile(bundle, c.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Handshake(context.Background(), c, v); err != nil {
		t.Errorf("a bundle with the root: %v", err)
	}
	// The leaf names ProbeHost only.
	leaf, err := c.Issue([]string{ProbeHost}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if got := leaf.Cert.DNSNames; len(got) != 1 || got[0] != ProbeHost {
		t.Errorf("probe leaf names %v", got)
	}
	_ = ca.CertFile
}
