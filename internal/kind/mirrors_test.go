package kind

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHostsTOMLGolden(t *testing.T) {
	cases := []struct {
		host      string
		endpoints []string
		golden    string
	}{
		{"docker.io", []string{"http://mirror.internal:5000", "https://mirror.gcr.io"}, "hosts-docker.io.toml"},
		{"ghcr.io", []string{"http://devstack-cache-ghcr.io:5000"}, "hosts-ghcr.io.toml"},
		{"localhost:5001", []string{"http://devstack-registry:5000"}, "hosts-localhost-5001.toml"},
	}
	for _, tc := range cases {
		t.Run(tc.host, func(t *testing.T) { checkGolden(t, HostsTOML(tc.host, tc.endpoints), tc.golden) })
	}
}

func checkGolden(t *testing.T, got, name string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
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
