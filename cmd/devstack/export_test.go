package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The export command's exit codes: 0 written or up to date, 1 out of date
// (with the diff on stdout), 2 bad input.
func TestExportFluxCommand(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := devstack(t, "export", "flux", dir)
	if code != 0 || !strings.Contains(out, "stage prod: ") {
		t.Fatalf("export: code %d\n%s%s", code, out, errOut)
	}
	if out, _, code := devstack(t, "export", "flux", dir, "--check"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("--check after export: code %d\n%s", code, out)
	}
	out, errOut, code = devstack(t, "export", "flux", dir, "--check", "--set", "redis.replicas=5")
	if code != 1 || !strings.Contains(out, "--- apps/base/redis/helmrelease.yaml") || !strings.Contains(errOut, "out of date") {
		t.Errorf("--check with a changed value: code %d\n%s%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "apps/base/redis/helmrelease.yaml")); err != nil || strings.Contains(string(b), "replicas: 5") {
		t.Errorf("--check wrote to DIR (err %v)", err)
	}
	for _, args := range [][]string{
		{"export", "flux", dir, "--stage", "dev", "--stage", "minimal"},
		{"export", "flux", dir, "--only", "redis"},
		{"export", "flux"},
	} {
		if _, errOut, code := devstack(t, args...); code != 2 {
			t.Errorf("%v: code %d, want 2\n%s", args, code, errOut)
		}
	}
}
