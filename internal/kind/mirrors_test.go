package kind

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHostsTOMLGolden(t *testing.T) {
	got := HostsTOML([]string{"http://mirror.internal:5000", "https://mirror.gcr.io"})
	golden := filepath.Join("testdata", "hosts-docker.io.toml")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("hosts.toml =\n%s\nwant\n%s", got, want)
	}
}
