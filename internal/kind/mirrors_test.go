package kind

import (
	"testing"

	"github.com/devstack-dev/devstack/internal/golden"
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
		t.Run(tc.host, func(t *testing.T) { golden.Check(t, tc.golden, []byte(HostsTOML(tc.host, tc.endpoints))) })
	}
}
