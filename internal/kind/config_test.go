package kind

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/devstack-dev/devstack/internal/golden"
	"github.com/devstack-dev/devstack/internal/stack"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

func intp(i int) *int { return &i }

// TestConfigGolden translates profile cluster parts (plus flags) into kind
// configs and compares them with testdata/config-<name>.yaml. Each golden
// file must also decode strictly into kind's own v1alpha4 types and give
// back the same value, so it is a config kind accepts as written.
func TestConfigGolden(t *testing.T) {
	cases := []struct {
		Name      string
		Cluster   stack.Cluster
		Overrides Overrides
	}{
		{Name: "default"},
		{Name: "workers-and-ports", Cluster: stack.Cluster{Name: "team", Workers: intp(2), HTTPPort: 8080, HTTPSPort: 8443}},
		{Name: "kubernetes-version", Overrides: Overrides{KubernetesVersion: "1.35"}},
		{Name: "node-image-flag", Cluster: stack.Cluster{NodeImage: "kindest/node:v1.36.4"}, Overrides: Overrides{Name: "other", NodeImage: "registry.local/node:v1.37.0"}},
		{Name: "mirrors", Cluster: stack.Cluster{Workers: intp(1), RegistryMirrors: map[string][]string{
			"docker.io": {"http://mirror.internal:5000", "https://mirror.gcr.io"},
			"ghcr.io":   {"http://ghcr-cache.internal:5001"},
		}}},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			spec, err := SpecFor(tc.Cluster, tc.Overrides)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ConfigYAML(spec)
			if err != nil {
				t.Fatal(err)
			}
			name := "config-" + tc.Name + ".yaml"
			golden.Check(t, name, got)
			want, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			var decoded v1alpha4.Cluster
			if err := yaml.UnmarshalStrict(want, &decoded); err != nil {
				t.Fatalf("%s is not a strict kind v1alpha4 config: %v", name, err)
			}
			if !reflect.DeepEqual(Config(spec), &decoded) {
				t.Errorf("%s decodes to a different config:\ntranslated %+v\ndecoded    %+v", name, Config(spec), &decoded)
			}
		})
	}
}

func TestConfigShape(t *testing.T) {
	spec, err := SpecFor(stack.Cluster{Workers: intp(3), HTTPPort: 8080}, Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	c := Config(spec)
	if len(c.Nodes) != 4 {
		t.Fatalf("nodes = %d, want 1 control plane + 3 workers", len(c.Nodes))
	}
	cp := c.Nodes[0]
	if cp.Role != v1alpha4.ControlPlaneRole || cp.Labels[IngressLabel] != "true" {
		t.Errorf("control plane = %+v, want role control-plane labelled ingress-ready=true", cp)
	}
	ports := map[int32]int32{}
	for _, pm := range cp.ExtraPortMappings {
		if pm.ListenAddress != "127.0.0.1" {
			t.Errorf("port %d published on %q, want loopback only", pm.ContainerPort, pm.ListenAddress)
		}
		ports[pm.ContainerPort] = pm.HostPort
	}
	if ports[IngressNodePortHTTP] != 8080 || ports[IngressNodePortHTTPS] != 443 {
		t.Errorf("port mappings = %v, want 30080->8080 and 30443->443", ports)
	}
	for _, n := range c.Nodes {
		if n.Image != DefaultNodeImage {
			t.Errorf("node image = %q, want %q", n.Image, DefaultNodeImage)
		}
	}
}
