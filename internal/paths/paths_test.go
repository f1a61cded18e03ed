package paths

import (
	"os"
	"path/filepath"
	"testing"
)

func TestEnsureMakesDirectoriesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "state")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %v, err %v; want 0700", fi.Mode().Perm(), err)
	}
}

func TestWritePrivate(t *testing.T) {
	p := filepath.Join(t.TempDir(), "state", "kubeconfig")
	for _, data := range []string{"first", "second"} {
		if err := WritePrivate(p, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != data {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestDirsHonourEnvironment(t *testing.T) {
	t.Setenv(EnvStateDir, "/tmp/x-state")
	t.Setenv(EnvCacheDir, "/tmp/x-cache")
	if d, _ := StateDir(); d != "/tmp/x-state" {
		t.Errorf("StateDir %q", d)
	}
	if d, _ := CacheDir(); d != "/tmp/x-cache" {
		t.Errorf("CacheDir %q", d)
	}
	t.Setenv(EnvStateDir, "")
	t.Setenv("XDG_STATE_HOME", "/tmp/xdg")
	if d, _ := StateDir(); d != "/tmp/xdg/devstack" {
		t.Errorf("StateDir with XDG_STATE_HOME %q", d)
	}
}
