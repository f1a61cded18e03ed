package profiles

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/stack"
	"sigs.k8s.io/yaml"
)

// foundationCatalogFiles are the catalog files of layers 0-2.
var foundationCatalogFiles = []string{"catalog/00-foundation.yaml", "catalog/10-observability.yaml"}

// layer0 is seed 004's layer 0 (and the monitoring CRDs):
// kube-prometheus-stack and flux depend on every one of them.
var layer0 = []string{
	"prometheus-operator-crds", "traefik", "traefik-config", "localstack", "cnpg-operator",
	"external-secrets", "eso-config", "metrics-server", "scylla-operator",
}

func decodeFoundationCatalog(t *testing.T) []stack.Component {
	t.Helper()
	var all []stack.Component
	for _, f := range foundationCatalogFiles {
		b, err := fs.ReadFile(FS, f)
		if err != nil {
			t.Fatal(err)
		}
		var d stack.Document
		if err := yaml.UnmarshalStrict(b, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d.APIVersion != stack.APIVersion || d.Kind != stack.Kind {
			t.Fatalf("%s: apiVersion/kind = %s/%s", f, d.APIVersion, d.Kind)
		}
		all = append(all, d.Components...)
	}
	return all
}

// lookupValue follows keys through nested maps.
func lookupValue(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// mentions reports whether s occurs in any string of v.
func mentions(v any, s string) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, s)
	case map[string]any:
		for _, x := range t {
			if mentions(x, s) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if mentions(x, s) {
				return true
			}
		}
	}
	return false
}

func TestFoundationCatalogComponents(t *testing.T) {
	t.Parallel()
	comps := decodeFoundationCatalog(t)
	names := map[string]bool{}
	for _, c := range comps {
		if names[c.Name] {
			t.Errorf("duplicate component %q", c.Name)
		}
		names[c.Name] = true
	}
	for _, want := range append(slices.Clone(layer0), "cert-manager", "kube-prometheus-stack", "flux", "flux-instance", "loki", "alloy", "jaeger", "opentelemetry") {
		if !names[want] {
			t.Errorf("component %q missing", want)
		}
	}
	if names["promtail"] {
		t.Error("promtail is end-of-life (2026-03-02): the catalog ships alloy")
	}
	if names["weave-gitops"] {
		t.Error("weave-gitops is abandoned (v0.38.0, broken with Flux >= 2.7): the catalog ships flux")
	}
	for _, c := range comps {
		t.Run(c.Name, func(t *testing.T) {
			wantTier := stack.TierApps
			if slices.Contains(layer0, c.Name) || c.Name == "cert-manager" {
				wantTier = stack.TierFoundation
			}
			if c.Tier != wantTier {
				t.Errorf("tier = %q, want %q", c.Tier, wantTier)
			}
			if c.Namespace == "" {
				t.Error("no namespace")
			}
			switch ch := c.Chart; {
			case ch == nil:
				t.Fatal("no chart")
			case ch.Path != "":
				if ch.Repo != "" || ch.OCI != "" || ch.Version != "" {
					t.Errorf("local chart mixes path with repo/oci/version: %+v", ch)
				}
				if _, err := fs.Stat(FS, path.Join(ch.Path, "Chart.yaml")); err != nil {
					t.Errorf("local chart: %v", err)
				}
			case ch.OCI != "":
				if !strings.HasPrefix(ch.OCI, "oci://") || ch.Repo != "" || ch.Name != "" || ch.Version == "" {
					t.Errorf("OCI chart needs oci:// and a version only: %+v", ch)
				}
			default:
				if !strings.HasPrefix(ch.Repo, "https://") || ch.Name == "" || ch.Version == "" {
					t.Errorf("repository chart needs an https repo, a name and a version: %+v", ch)
				}
			}
			if c.EstimatedSeconds <= 0 || c.TimeoutSeconds < 2*c.EstimatedSeconds {
				t.Errorf("estimatedSeconds %d, timeoutSeconds %d: want a timeout of at least twice the estimate", c.EstimatedSeconds, c.TimeoutSeconds)
			}
			for _, d := range c.DependsOn {
				if !names[d] {
					t.Errorf("dependsOn %q: not in the foundation catalog", d)
				}
			}
			// A host is only reachable if the values configure an ingress
			// (or IngressRoute) for it.
			for _, h := range c.Hosts {
				if !strings.HasSuffix(h, ".${domain}") {
					t.Errorf("host %q: want <name>.${domain}", h)
				}
				if !mentions(c.Values, h) {
					t.Errorf("host %q is not configured anywhere in the values", h)
				}
			}
			for _, w := range c.Wait {
				if w.APIVersion == "" || w.Kind == "" || w.Name == "" {
					t.Errorf("incomplete wait %+v", w)
				}
			}
		})
	}
}

func TestFoundationCatalogGraph(t *testing.T) {
	t.Parallel()
	deps := map[string][]string{}
	for _, c := range decodeFoundationCatalog(t) {
		deps[c.Name] = c.DependsOn
	}
	cases := []struct {
		Name string
		Want []string
	}{
		{Name: "traefik-config", Want: []string{"traefik"}},
		{Name: "eso-config", Want: []string{"external-secrets", "localstack"}},
		{Name: "scylla-operator", Want: []string{"cert-manager"}},
		{Name: "kube-prometheus-stack", Want: layer0},
		{Name: "flux", Want: layer0},
		{Name: "flux-instance", Want: []string{"flux"}},
		{Name: "loki", Want: []string{"kube-prometheus-stack", "prometheus-operator-crds"}},
		{Name: "alloy", Want: []string{"kube-prometheus-stack"}},
		{Name: "jaeger", Want: []string{"kube-prometheus-stack"}},
		{Name: "opentelemetry", Want: []string{"kube-prometheus-stack"}},
		{Name: "traefik", Want: []string{"prometheus-operator-crds"}},
		{Name: "cnpg-operator", Want: []string{"prometheus-operator-crds"}},
		{Name: "external-secrets", Want: []string{"prometheus-operator-crds"}},
		{Name: "cert-manager", Want: []string{"prometheus-operator-crds"}},
		{Name: "localstack"}, {Name: "metrics-server"}, {Name: "prometheus-operator-crds"},
	}
	for _, tc := range cases {
		got := slices.Sorted(slices.Values(deps[tc.Name]))
		want := slices.Sorted(slices.Values(tc.Want))
		if !slices.Equal(got, want) {
			t.Errorf("%s dependsOn %v, want %v", tc.Name, got, want)
		}
	}
}

// The dev side of seed 004's table; prod.yaml overrides these same paths.
func TestFoundationCatalogDevDefaults(t *testing.T) {
	t.Parallel()
	byName := map[string]stack.Component{}
	for _, c := range decodeFoundationCatalog(t) {
		byName[c.Name] = c
	}
	kps := byName["kube-prometheus-stack"].Values
	cases := []struct {
		Name string
		Got  any
		Want any
	}{
		{"traefik replicas", lookupValue(byName["traefik"].Values, "deployment", "replicas"), 1.0},
		{"prometheus retention", lookupValue(kps, "prometheus", "prometheusSpec", "retention"), "7d"},
		{"prometheus storage", lookupValue(kps, "prometheus", "prometheusSpec", "storageSpec", "volumeClaimTemplate", "spec", "resources", "requests", "storage"), "20Gi"},
		{"metrics-server kind TLS", lookupValue(byName["metrics-server"].Values, "args"), []any{"--kubelet-insecure-tls"}},
		{"traefik web node port", lookupValue(byName["traefik"].Values, "ports", "web", "nodePort"), 30080.0},
	}
	for _, tc := range cases {
		if !equalValues(tc.Got, tc.Want) {
			t.Errorf("%s = %#v, want %#v", tc.Name, tc.Got, tc.Want)
		}
	}
}

func equalValues(a, b any) bool {
	ab, err1 := yaml.Marshal(a)
	bb, err2 := yaml.Marshal(b)
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}
