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
	t.Setenv(EnvRegistryPort, "15001")
	t.Setenv(EnvRegistryInsecure, "upstream:5000, ,other:5000")
	e, err := FromProcess()
	if err != nil {
		t.Fatal(err)
	}
	if e.StateDir != "/tmp/state" || e.CacheDir != "/tmp/cache" || e.OSRoot != "/tmp/root" || e.Engine.Name != "podman" || e.EUID != os.Geteuid() {
		t.Errorf("env %+v", e)
	}
	if e.RegistryPort != 15001 || len(e.InsecureRegistries) != 2 || e.InsecureRegistries[1] != "other:5000" {
		t.Errorf("registries: port %d, insecure %q", e.RegistryPort, e.InsecureRegistries)
	}
	if e.Getenv("KIND_EXPERIMENTAL_PROVIDER") != "podman" {
		t.Error("Getenv does not read the process environment")
	}
}
