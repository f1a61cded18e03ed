package env

import (
	"os"
	"testing"

	"github.com/devstack-dev/devstack/internal/paths"
)

func TestFromProcessReadsTheOverrides(t *testing.T) {
	t.Setenv(paths.EnvStateDir, "/tmp/state")
	t.Setenv(paths.EnvCacheDir, "/tmp/cache")
	t.Setenv(EnvOSRoot, "/tmp/root")
	t.Setenv("KIND_EXPERIMENTAL_PROVIDER", "podman")
	e, err := FromProcess()
	if err != nil {
		t.Fatal(err)
	}
	if e.StateDir != "/tmp/state" || e.CacheDir != "/tmp/cache" || e.OSRoot != "/tmp/root" || e.Engine.Name != "podman" || e.EUID != os.Geteuid() {
		t.Errorf("env %+v", e)
	}
	if e.Getenv("KIND_EXPERIMENTAL_PROVIDER") != "podman" {
		t.Error("Getenv does not read the process environment")
	}
}
