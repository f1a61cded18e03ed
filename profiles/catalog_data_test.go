package profiles_test

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// dataCatalogFiles are the catalog files of the data and application layers.
var dataCatalogFiles = []string{"catalog/20-data.yaml", "catalog/30-apps.yaml"}

// decodeCatalog strictly decodes the data/apps catalog files into the stack
// schema: a misspelt field fails here, not silently at install time.
func decodeCatalog(t *testing.T) map[string]stack.Component {
	t.Helper()
	comps := map[string]stack.Component{}
	for _, file := range dataCatalogFiles {
		data, err := fs.ReadFile(profiles.FS, file)
		if err != nil {
			t.Fatal(err)
		}
		var doc stack.Document
		if err := yaml.UnmarshalStrict(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if doc.APIVersion != stack.APIVersion || doc.Kind != stack.Kind {
			t.Fatalf("%s: apiVersion/kind = %s/%s", file, doc.APIVersion, doc.Kind)
		}
		for _, c := range doc.Components {
			if _, dup := comps[c.Name]; dup {
				t.Fatalf("%s: component %q defined twice", file, c.Name)
			}
			comps[c.Name] = c
		}
	}
	return comps
}

// TestDataCatalogGraph pins the dependency edges, hosts and readiness waits
// of DESIGN.md's layers 3 to 6.
func TestDataCatalogGraph(t *testing.T) {
	t.Parallel()
	comps := decodeCatalog(t)
	cases := []struct {
		Name      string
		DependsOn []string
		Hosts     []string
		Wait      string // "Kind/name=Condition", empty for none
	}{
		{Name: "scylla-manager", DependsOn: []string{"scylla-operator", "prometheus-operator-crds"}, Wait: "ScyllaCluster/scylla-manager-cluster=Available"},
		{Name: "postgresql", DependsOn: []string{"cnpg-operator", "prometheus-operator-crds"}, Wait: "Cluster/postgresql=Ready"},
		{Name: "redis", DependsOn: []string{"external-secrets", "prometheus-operator-crds"}},
		{Name: "scylladb", DependsOn: []string{"scylla-manager", "prometheus-operator-crds"}, Wait: "ScyllaCluster/scylladb=Available"},
		{Name: "n8n", DependsOn: []string{"postgresql", "redis"}, Hosts: []string{"n8n.${domain}"}},
		{Name: "temporal", DependsOn: []string{"postgresql", "prometheus-operator-crds"}, Hosts: []string{"temporal.${domain}"}},
		{Name: "pgadmin4", DependsOn: []string{"postgresql"}, Hosts: []string{"pgadmin.${domain}"}},
		{Name: "redisinsight", DependsOn: []string{"redis"}, Hosts: []string{"redisinsight.${domain}"}},
	}
	if len(comps) != len(cases) {
		t.Errorf("catalog has %d components, want %d", len(comps), len(cases))
	}
	for _, tc := range cases {
		c, ok := comps[tc.Name]
		if !ok {
			t.Errorf("component %s missing", tc.Name)
			continue
		}
		if !slices.Equal(c.DependsOn, tc.DependsOn) {
			t.Errorf("%s dependsOn = %v, want %v", tc.Name, c.DependsOn, tc.DependsOn)
		}
		if !slices.Equal(c.Hosts, tc.Hosts) {
			t.Errorf("%s hosts = %v, want %v", tc.Name, c.Hosts, tc.Hosts)
		}
		var wait string
		for _, w := range c.Wait {
			wait = w.Kind + "/" + w.Name + "=" + w.Condition
		}
		if len(c.Wait) > 1 || wait != tc.Wait {
			t.Errorf("%s wait = %v, want %q", tc.Name, c.Wait, tc.Wait)
		}
		// A host the chart's ingress does not serve would resolve but 404.
		for _, h := range tc.Hosts {
			if !valuesContain(c.Values, h) {
				t.Errorf("%s: no ingress value mentions host %s", tc.Name, h)
			}
		}
	}
}

// TestDataCatalogComponents checks every component is complete enough for
// the scheduler, the installer and `devstack status`.
func TestDataCatalogComponents(t *testing.T) {
	t.Parallel()
	for name, c := range decodeCatalog(t) {
		if c.Tier != stack.TierApps {
			t.Errorf("%s: tier %q, want apps", name, c.Tier)
		}
		if c.Namespace == "" {
			t.Errorf("%s: no namespace", name)
		}
		switch ch := c.Chart; {
		case ch == nil:
			t.Errorf("%s: no chart", name)
		case ch.Path != "":
			if ch.Repo != "" || ch.OCI != "" {
				t.Errorf("%s: chart has a path and a remote source", name)
			}
			if _, err := fs.Stat(profiles.FS, ch.Path+"/Chart.yaml"); err != nil {
				t.Errorf("%s: local chart %s: %v", name, ch.Path, err)
			}
		case ch.OCI != "":
			if !strings.HasPrefix(ch.OCI, "oci://") || ch.Repo != "" || ch.Version == "" {
				t.Errorf("%s: OCI chart needs oci:// and a version and no repo: %+v", name, ch)
			}
		default:
			if !strings.HasPrefix(ch.Repo, "https://") || ch.Name == "" || ch.Version == "" {
				t.Errorf("%s: repository chart needs an https repo, a name and a version: %+v", name, ch)
			}
		}
		if c.EstimatedSeconds <= 0 || c.TimeoutSeconds < 2*c.EstimatedSeconds {
			t.Errorf("%s: estimate %ds / timeout %ds: the timeout should leave at least twice the estimate",
				name, c.EstimatedSeconds, c.TimeoutSeconds)
		}
		if c.Resources == nil {
			t.Errorf("%s: no resources", name)
		} else {
			for _, q := range []string{c.Resources.CPU, c.Resources.Memory} {
				if _, err := resource.ParseQuantity(q); err != nil {
					t.Errorf("%s: resources %q: %v", name, q, err)
				}
			}
		}
		if c.Credentials == "" || strings.Contains(c.Credentials, "${") {
			t.Errorf("%s: credentials %q must be a sentence without unsubstituted variables", name, c.Credentials)
		}
	}
}

// TestDataCatalogDevDefaults pins the dev column of DESIGN.md's dev/prod
// table at the values paths prod.yaml overrides.
func TestDataCatalogDevDefaults(t *testing.T) {
	t.Parallel()
	comps := decodeCatalog(t)
	cases := []struct {
		Component string
		Path      string
		Want      any
	}{
		{"postgresql", "cluster.instances", float64(1)},
		{"postgresql", "cluster.storage.size", "10Gi"},
		{"postgresql", "backups.retentionPolicy", "7d"},
		{"redis", "replicas", float64(1)},
		{"redis", "sentinel.quorum", float64(1)},
		{"redis", "redis.config.min-replicas-to-write", float64(0)},
	}
	for _, tc := range cases {
		var v any = comps[tc.Component].Values
		for _, k := range strings.Split(tc.Path, ".") {
			m, _ := v.(map[string]any)
			v = m[k]
		}
		if v != tc.Want {
			t.Errorf("%s values.%s = %#v, want %#v", tc.Component, tc.Path, v, tc.Want)
		}
	}
}

// valuesContain reports whether any string in v contains s.
func valuesContain(v any, s string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, s)
	case map[string]any:
		for _, e := range x {
			if valuesContain(e, s) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if valuesContain(e, s) {
				return true
			}
		}
	}
	return false
}
