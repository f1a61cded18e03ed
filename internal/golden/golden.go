// Package golden compares a test's output with a file under testdata/,
// the dry-run goldens of osdns, trust, sysfile, kind and registry.
// `go test ./... -update` rewrites the files instead; review the diff.
package golden

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ (review the diff)")

// Check fails t when got differs from testdata/name, showing both.
func Check(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update, then review the new file)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from %s (go test -update rewrites it; review the diff):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}
