package registry

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/golden"
)

func TestUpstreamFor(t *testing.T) {
	cases := []struct {
		host     string
		insecure []string
		want     Upstream
		cache    string
	}{
		{"docker.io", nil, Upstream{"docker.io", "https://registry-1.docker.io"}, "devstack-cache-docker.io"},
		{"ghcr.io", nil, Upstream{"ghcr.io", "https://ghcr.io"}, "devstack-cache-ghcr.io"},
		{"registry.k8s.io", []string{"ghcr.io"}, Upstream{"registry.k8s.io", "https://registry.k8s.io"}, "devstack-cache-registry.k8s.io"},
		{"up.test:5000", []string{"up.test:5000"}, Upstream{"up.test:5000", "http://up.test:5000"}, "devstack-cache-up.test-5000"},
	}
	for _, tc := range cases {
		if got := UpstreamFor(tc.host, tc.insecure); got != tc.want {
			t.Errorf("UpstreamFor(%q) = %+v, want %+v", tc.host, got, tc.want)
		}
		if got := CacheName(tc.host); got != tc.cache {
			t.Errorf("CacheName(%q) = %q, want %q", tc.host, got, tc.cache)
		}
	}
}

func TestMirrorsAndHosts(t *testing.T) {
	hosts := Hosts([]string{"docker.io/library/redis:7", "ghcr.io/a/b:1", "docker.io/library/nginx:1.27", "localhost:5001/mine:1"})
	if want := []string{"docker.io", "ghcr.io"}; !reflect.DeepEqual(hosts, want) {
		t.Errorf("Hosts = %v, want %v (the local registry is no upstream)", hosts, want)
	}
	m := Mirrors([]Upstream{UpstreamFor("docker.io", nil)}, 5001)
	want := map[string][]string{
		"docker.io":      {"http://devstack-cache-docker.io:5000"},
		"localhost:5001": {"http://devstack-registry:5000"},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("Mirrors = %v, want %v", m, want)
	}
	if m := Mirrors(nil, 0); len(m) != 0 {
		t.Errorf("Mirrors without registries = %v", m)
	}
}

func TestCacheFilesGolden(t *testing.T) {
	anon, err := CacheFiles(UpstreamFor("docker.io", nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "cache-docker.io.yml", anon[configFile])
	golden.Check(t, "credentials.sh", anon[helperFile])
	if got := string(anon[loginFile]); got != `{"Username":"","Secret":""}` {
		t.Errorf("anonymous login = %s", got)
	}
	logged, err := CacheFiles(UpstreamFor("docker.io", nil), &Credentials{Username: "me", Password: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if string(logged[configFile]) != string(anon[configFile]) {
		t.Error("the login changed the configuration: it must live in the helper's file only")
	}
	if got := string(logged[loginFile]); got != `{"Username":"me","Secret":"s3cret"}` {
		t.Errorf("login = %s", got)
	}
	if strings.Contains(string(logged[configFile]), "s3cret") {
		t.Error("the password is in the configuration")
	}
	local, err := LocalFiles()
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "local.yml", local[configFile])
}

func TestParseContainer(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "docker-inspect-cache.json"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := parseContainer(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &container{Name: "devstack-cache-docker.io", Image: "docker.io/library/registry:3", Running: true, Status: "running",
		Labels:   map[string]string{labelRole: roleCache, labelUpstream: "docker.io"},
		Networks: []string{"kind"}, HostPort: 32768}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("container = %+v\nwant %+v", c, want)
	}
	if c, err := parseContainer([]byte("[]")); err != nil || c != nil {
		t.Errorf("no container: %+v, %v", c, err)
	}
}
