package profiles

import (
	"github.com/devstack-dev/devstack/internal/helm"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"sigs.k8s.io/yaml"
)

// localCharts lists the chart directories under charts/ in the embedded FS.
func localCharts(t *testing.T) []string {
	t.Helper()
	entries, err := fs.ReadDir(FS, ChartsDir)
	if err != nil {
		t.Fatalf("read %s: %v", ChartsDir, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		t.Fatal("no local charts embedded")
	}
	return names
}

// loadChart loads charts/<name> from the embedded FS with the installer's own
// loader: exactly the files the binary ships, loaded as they are at install.
func loadChart(t *testing.T, name string) *chart.Chart {
	t.Helper()
	c, err := helm.LoadFS(FS, path.Join(ChartsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("chart %s is invalid: %v", name, err)
	}
	return c
}

// object is the part of a rendered manifest the tests look at.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec map[string]any `json:"spec"`
}

// render renders c as release <c.Name()> in namespace "devstack-test" with
// vals over the chart's defaults, and parses every manifest.
func render(t *testing.T, c *chart.Chart, vals map[string]any) []object {
	t.Helper()
	opts := chartutil.ReleaseOptions{Name: c.Name(), Namespace: "devstack-test", IsInstall: true, Revision: 1}
	rv, err := chartutil.ToRenderValues(c, vals, opts, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatalf("values for %s: %v", c.Name(), err)
	}
	out, err := engine.Render(c, rv)
	if err != nil {
		t.Fatalf("render %s: %v", c.Name(), err)
	}
	var objs []object
	for file, text := range out {
		if strings.HasSuffix(file, "NOTES.txt") {
			continue
		}
		for _, doc := range strings.Split(text, "\n---") {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var o object
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				t.Fatalf("%s: rendered YAML does not parse: %v\n%s", file, err, doc)
			}
			if o.Kind == "" && o.APIVersion == "" {
				continue // comments only
			}
			if o.Kind == "" || o.APIVersion == "" || o.Metadata.Name == "" {
				t.Fatalf("%s: object without apiVersion, kind or name:\n%s", file, doc)
			}
			objs = append(objs, o)
		}
	}
	return objs
}

func ids(objs []object) []string {
	var s []string
	for _, o := range objs {
		s = append(s, o.APIVersion+" "+o.Kind+"/"+o.Metadata.Name)
	}
	slices.Sort(s)
	return s
}

func findObject(t *testing.T, objs []object, kind, name string) object {
	t.Helper()
	for _, o := range objs {
		if o.Kind == kind && o.Metadata.Name == name {
			return o
		}
	}
	t.Fatalf("no %s/%s among %v", kind, name, ids(objs))
	return object{}
}

// The API groups below are the ones the pinned upstream charts serve:
// traefik.io/v1alpha1 (traefik chart 41.3.0), external-secrets.io/v1 and
// generators.external-secrets.io/v1alpha1 (external-secrets chart 2.9.0).
func TestLocalChartsRenderExpectedObjects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		Name  string
		Chart string
		Vals  map[string]any
		Want  []string
	}{
		{
			Name:  "traefik-config defaults",
			Chart: "traefik-config",
			Want: []string{
				"traefik.io/v1alpha1 IngressRoute/dashboard",
				"traefik.io/v1alpha1 Middleware/compress",
				"traefik.io/v1alpha1 Middleware/dashboard-redirect",
				"traefik.io/v1alpha1 Middleware/security-headers",
			},
		},
		{
			Name:  "traefik-config without dashboard",
			Chart: "traefik-config",
			Vals:  map[string]any{"dashboard": map[string]any{"enabled": false}},
			Want: []string{
				"traefik.io/v1alpha1 Middleware/compress",
				"traefik.io/v1alpha1 Middleware/security-headers",
			},
		},
		{
			Name:  "traefik-config without security headers",
			Chart: "traefik-config",
			Vals:  map[string]any{"dashboard": map[string]any{"enabled": false}, "securityHeaders": map[string]any{"enabled": false}},
			Want:  []string{"traefik.io/v1alpha1 Middleware/compress"},
		},
		{
			Name:  "eso-config defaults",
			Chart: "eso-config",
			Want: []string{
				"external-secrets.io/v1 ClusterSecretStore/localstack",
				"v1 Secret/localstack-credentials",
			},
		},
		{
			Name:  "flux-instance defaults",
			Chart: "flux-instance",
			Want: []string{
				"fluxcd.controlplane.io/v1 FluxInstance/flux",
				"monitoring.coreos.com/v1 PodMonitor/flux-controllers",
			},
		},
		{
			Name:  "flux-instance without its monitor",
			Chart: "flux-instance",
			Vals:  map[string]any{"podMonitor": map[string]any{"enabled": false}},
			Want:  []string{"fluxcd.controlplane.io/v1 FluxInstance/flux"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			got := ids(render(t, loadChart(t, tc.Chart), tc.Vals))
			if !slices.Equal(got, tc.Want) {
				t.Errorf("rendered objects:\n got %q\nwant %q", got, tc.Want)
			}
		})
	}
}

func TestTraefikDashboardRouteUsesHost(t *testing.T) {
	t.Parallel()
	vals := map[string]any{"dashboard": map[string]any{"host": "traefik.example.test"}}
	route := findObject(t, render(t, loadChart(t, "traefik-config"), vals), "IngressRoute", "dashboard")
	routes, _ := route.Spec["routes"].([]any)
	if len(routes) != 1 {
		t.Fatalf("want 1 route, got %v", route.Spec["routes"])
	}
	r, _ := routes[0].(map[string]any)
	if got, want := r["match"], "Host(`traefik.example.test`)"; got != want {
		t.Errorf("match = %v, want %v", got, want)
	}
	svcs, _ := r["services"].([]any)
	if len(svcs) != 1 || svcs[0].(map[string]any)["name"] != "api@internal" {
		t.Errorf("services = %v, want api@internal", r["services"])
	}
}

func TestTraefikDashboardRequiresHost(t *testing.T) {
	t.Parallel()
	c := loadChart(t, "traefik-config")
	vals := map[string]any{"dashboard": map[string]any{"host": ""}}
	rv, err := chartutil.ToRenderValues(c, vals, chartutil.ReleaseOptions{Name: "x", Namespace: "y"}, chartutil.DefaultCapabilities)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Render(c, rv); err == nil || !strings.Contains(err.Error(), "dashboard.host") {
		t.Fatalf("render without host: err = %v, want a dashboard.host error", err)
	}
}

func TestClusterSecretStoreReadsCredentialsFromReleaseNamespace(t *testing.T) {
	t.Parallel()
	objs := render(t, loadChart(t, "eso-config"), nil)
	css := findObject(t, objs, "ClusterSecretStore", "localstack")
	aws, _ := css.Spec["provider"].(map[string]any)["aws"].(map[string]any)
	if aws["service"] != "SecretsManager" || aws["region"] != "us-east-1" {
		t.Errorf("aws provider = %v", aws)
	}
	ref, _ := aws["auth"].(map[string]any)["secretRef"].(map[string]any)
	for _, k := range []string{"accessKeyIDSecretRef", "secretAccessKeySecretRef"} {
		sel, _ := ref[k].(map[string]any)
		if sel["name"] != "localstack-credentials" || sel["namespace"] != "devstack-test" {
			t.Errorf("%s = %v, want localstack-credentials in the release namespace", k, sel)
		}
	}
	if s := findObject(t, objs, "Secret", "localstack-credentials"); s.Metadata.Namespace != "devstack-test" {
		t.Errorf("credentials secret namespace = %q", s.Metadata.Namespace)
	}
}

// The FluxInstance carries the catalog's exact distribution and no
// artifact, so the operator installs the manifests embedded in its image
// instead of pulling a "latest" OCI artifact at run time.
func TestFluxInstanceUsesTheEmbeddedDistribution(t *testing.T) {
	t.Parallel()
	fi := findObject(t, render(t, loadChart(t, "flux-instance"), nil), "FluxInstance", "flux")
	dist, _ := fi.Spec["distribution"].(map[string]any)
	if dist["version"] != "2.9.4" || dist["registry"] != "ghcr.io/fluxcd" {
		t.Errorf("distribution = %v, want version 2.9.4 from ghcr.io/fluxcd", dist)
	}
	if _, ok := dist["artifact"]; ok {
		t.Errorf("distribution.artifact = %v: the operator would pull manifests at run time", dist["artifact"])
	}
	pm := findObject(t, render(t, loadChart(t, "flux-instance"), nil), "PodMonitor", "flux-controllers")
	sel, _ := pm.Spec["selector"].(map[string]any)["matchLabels"].(map[string]any)
	if sel["app.kubernetes.io/part-of"] != "flux" {
		t.Errorf("PodMonitor selector = %v, want the Flux controllers (app.kubernetes.io/part-of: flux)", sel)
	}
}

// Every local chart, including ones added later, must render with its
// defaults and pass helm lint without errors or warnings. Lint needs a
// directory, so the embedded files are copied out first.
func TestLocalChartsLint(t *testing.T) {
	t.Parallel()
	for _, name := range localCharts(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if objs := render(t, loadChart(t, name), nil); len(objs) == 0 {
				t.Errorf("%s renders no objects with its defaults", name)
			}
			dir := filepath.Join(t.TempDir(), name)
			sub, err := fs.Sub(FS, path.Join(ChartsDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(dir, sub); err != nil {
				t.Fatal(err)
			}
			for _, m := range lint.All(dir, nil, "devstack-test", false).Messages {
				if m.Severity >= support.WarningSev {
					t.Errorf("lint: %s", m.Error())
				}
			}
		})
	}
}

// The chart's schema rejects keys the templates do not read.
func TestLocalChartSchemasRejectUnknownKeys(t *testing.T) {
	t.Parallel()
	cases := []struct {
		Chart string
		Vals  map[string]any
	}{
		{"traefik-config", map[string]any{"dashboard": map[string]any{"hostname": "x"}}},
		{"traefik-config", map[string]any{"middlewares": map[string]any{}}},
		{"eso-config", map[string]any{"weaveGitopsAdmin": map[string]any{"enabled": true}}},
		{"flux-instance", map[string]any{"distribution": map[string]any{"version": "2.x", "registry": "ghcr.io/fluxcd"}}},
		{"flux-instance", map[string]any{"distribution": map[string]any{"artifact": "oci://ghcr.io/controlplaneio-fluxcd/flux-operator-manifests:latest"}}},
	}
	for _, tc := range cases {
		c := loadChart(t, tc.Chart)
		_, err := chartutil.ToRenderValues(c, tc.Vals, chartutil.ReleaseOptions{Name: "x", Namespace: "y"}, chartutil.DefaultCapabilities)
		if err == nil {
			t.Errorf("%s accepted %v", tc.Chart, tc.Vals)
		}
	}
}

// The catalog's values for the local charts, with ${domain} replaced as the
// loader does, fit the charts' schemas and render.
func TestFoundationCatalogValuesFitLocalCharts(t *testing.T) {
	t.Parallel()
	for _, comp := range decodeFoundationCatalog(t) {
		if comp.Chart == nil || comp.Chart.Path == "" {
			continue
		}
		raw, err := yaml.Marshal(comp.Values)
		if err != nil {
			t.Fatal(err)
		}
		var vals map[string]any
		if err := yaml.Unmarshal([]byte(strings.ReplaceAll(string(raw), "${domain}", "test")), &vals); err != nil {
			t.Fatal(err)
		}
		if objs := render(t, loadChart(t, path.Base(comp.Chart.Path)), vals); len(objs) == 0 {
			t.Errorf("%s renders nothing with its catalog values", comp.Name)
		}
	}
}
