package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/env"
)

// TestTrustDryRunChangesNothing runs `trust install --dry-run` on a
// temporary Debian tree: it shows the anchor and the update command, and
// writes nothing but the CA.
func TestTrustDryRunChangesNothing(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/os-release"), []byte("ID=debian\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	caDir := filepath.Join(t.TempDir(), "ca")
	t.Setenv(env.EnvOSRoot, root)
	t.Setenv(ca.EnvDir, caDir)
	t.Setenv("HOME", t.TempDir())

	out, errOut, code := devstack(t, "trust", "install", "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"created devstack's CA", "debian anchors", "would change (dry run, nothing changed)",
		"create " + filepath.Join(root, "usr/local/share/ca-certificates/devstack-"), "run update-ca-certificates", "-----BEGIN CERTIFICATE-----",
		// the steps of each change, as dns install shows its own
		"$ rename ", "$ read " + filepath.Join(root, "usr/local/share/ca-certificates/devstack-"), "$ update-ca-certificates"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PRIVATE KEY") {
		t.Error("the dry run prints a private key")
	}
	if m, _ := filepath.Glob(filepath.Join(root, "usr/local/share/ca-certificates/*")); len(m) > 0 {
		t.Errorf("the dry run wrote %v", m)
	}
	fi, err := os.Stat(filepath.Join(caDir, ca.KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("CA key: %v %v", fi, err)
	}

	// status reads the same CA; the anchor is missing.
	out, errOut, code = devstack(t, "trust", "status", "-o", "json")
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, errOut)
	}
	var st struct {
		Fingerprint string `json:"fingerprint"`
		Stores      []struct {
			Name    string `json:"name"`
			Trusted bool   `json:"trusted"`
		} `json:"stores"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(st.Fingerprint) != 64 || len(st.Stores) != 1 || st.Stores[0].Trusted {
		t.Errorf("status: %+v", st)
	}
}

func TestTrustUsage(t *testing.T) {
	if _, _, code := devstack(t, "trust", "install", "extra"); code != exitUsage {
		t.Errorf("trust install extra: exit %d, want %d", code, exitUsage)
	}
	if _, _, code := devstack(t, "trust", "status", "-o", "yaml"); code != exitUsage {
		t.Errorf("trust status -o yaml: exit %d, want %d", code, exitUsage)
	}
}
