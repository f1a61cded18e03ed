package kind

import (
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/stack"
)

func TestSpecFor(t *testing.T) {
	cases := []struct {
		Name        string
		Cluster     stack.Cluster
		Overrides   Overrides
		WantName    string
		WantImage   string
		WantVersion string
		WantWorkers int
		WantError   string
	}{
		{Name: "defaults", WantName: "devstack", WantImage: DefaultNodeImage, WantVersion: "v1.37.0"},
		{Name: "profile values", Cluster: stack.Cluster{Name: "p", NodeImage: releaseImages["v1.36.4"], Workers: intp(2)},
			WantName: "p", WantImage: releaseImages["v1.36.4"], WantVersion: "v1.36.4", WantWorkers: 2},
		{Name: "name flag wins", Cluster: stack.Cluster{Name: "p"}, Overrides: Overrides{Name: "flag"},
			WantName: "flag", WantImage: DefaultNodeImage, WantVersion: "v1.37.0"},
		{Name: "kubernetes version exact", Overrides: Overrides{KubernetesVersion: "v1.34.11"},
			WantName: "devstack", WantImage: releaseImages["v1.34.11"], WantVersion: "v1.34.11"},
		{Name: "kubernetes version minor", Cluster: stack.Cluster{NodeImage: "ignored:v1"}, Overrides: Overrides{KubernetesVersion: "1.36"},
			WantName: "devstack", WantImage: releaseImages["v1.36.4"], WantVersion: "v1.36.4"},
		{Name: "node image flag wins over profile", Cluster: stack.Cluster{NodeImage: releaseImages["v1.35.8"]}, Overrides: Overrides{NodeImage: "my/node:v1.37.0"},
			WantName: "devstack", WantImage: "my/node:v1.37.0", WantVersion: "v1.37.0"},
		{Name: "node image matching version", Overrides: Overrides{NodeImage: "my/node:v1.36.4", KubernetesVersion: "1.36"},
			WantName: "devstack", WantImage: "my/node:v1.36.4", WantVersion: "v1.36.4"},
		{Name: "custom image without version", Overrides: Overrides{NodeImage: "my/node@sha256:abc"},
			WantName: "devstack", WantImage: "my/node@sha256:abc"},
		{Name: "unknown kubernetes version", Overrides: Overrides{KubernetesVersion: "1.30"}, WantError: "publishes no node image for Kubernetes 1.30"},
		{Name: "image and version disagree", Overrides: Overrides{NodeImage: "my/node:v1.35.0", KubernetesVersion: "1.36"}, WantError: "does not match --kubernetes-version"},
		{Name: "bad name", Overrides: Overrides{Name: "My_Cluster"}, WantError: `cluster name "My_Cluster"`},
		{Name: "same ports", Cluster: stack.Cluster{HTTPPort: 8080, HTTPSPort: 8080}, WantError: "both 8080"},
		{Name: "port out of range", Cluster: stack.Cluster{HTTPSPort: 70000}, WantError: "httpsPort = 70000"},
		{Name: "negative workers", Cluster: stack.Cluster{Workers: intp(-1)}, WantError: "workers = -1"},
		{Name: "mirror without endpoints", Cluster: stack.Cluster{RegistryMirrors: map[string][]string{"docker.io": nil}}, WantError: "registry mirror docker.io: no endpoints"},
		{Name: "mirror endpoint not a URL", Cluster: stack.Cluster{RegistryMirrors: map[string][]string{"docker.io": {"mirror:5000"}}}, WantError: `endpoint "mirror:5000" is not an http(s) URL`},
		{Name: "mirror host with path", Cluster: stack.Cluster{RegistryMirrors: map[string][]string{"../etc": {"http://m"}}}, WantError: `host "../etc"`},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			s, err := SpecFor(tc.Cluster, tc.Overrides)
			if tc.WantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.WantError) {
					t.Fatalf("error = %v, want one containing %q", err, tc.WantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != tc.WantName || s.NodeImage != tc.WantImage || s.KubernetesVersion != tc.WantVersion || s.Workers != tc.WantWorkers {
				t.Errorf("spec = %+v, want name %q image %q version %q workers %d", s, tc.WantName, tc.WantImage, tc.WantVersion, tc.WantWorkers)
			}
			if s.HTTPPort == 0 || s.HTTPSPort == 0 || s.Context() != "kind-"+s.Name {
				t.Errorf("defaults not filled: %+v", s)
			}
		})
	}
}

func TestImages(t *testing.T) {
	if got := KubernetesVersions(); strings.Join(got, ",") != "v1.37.0,v1.36.4,v1.35.8,v1.34.11" {
		t.Errorf("versions = %v, newest first", got)
	}
	for v, img := range releaseImages {
		if !strings.HasPrefix(img, "kindest/node:"+v+"@sha256:") || len(img) != len("kindest/node:"+v+"@sha256:")+64 {
			t.Errorf("image for %s = %q, want kindest/node:%s pinned by a sha256 digest", v, img, v)
		}
		if VersionOfImage(img) != v {
			t.Errorf("VersionOfImage(%q) = %q, want %q", img, VersionOfImage(img), v)
		}
	}
	for img, want := range map[string]string{"localhost:5000/node": "", "node:latest": "", "x/node:v1.2": "v1.2"} {
		if got := VersionOfImage(img); got != want {
			t.Errorf("VersionOfImage(%q) = %q, want %q", img, got, want)
		}
	}
}
