package helm

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devstack-dev/devstack/internal/stack"
)

// renderPlan is provider <- middle <- consumer, plus a consumer that
// depends on nothing; all embedded charts from testdata/render.
func renderPlan() *stack.Plan {
	embedded := func(dir string) *stack.Chart { return &stack.Chart{Path: dir, Embedded: true} }
	comp := func(name, chart string, deps ...string) stack.Planned {
		return stack.Planned{Component: stack.Component{Name: name, Namespace: "ns-" + name, Chart: embedded(chart), DependsOn: deps}}
	}
	return &stack.Plan{
		Cluster: stack.Cluster{NodeImage: "kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed"},
		Components: []stack.Planned{
			comp("provider", "provider"),
			comp("middle", "middle", "provider"),
			comp("consumer", "consumer", "middle"),
			comp("lonely", "consumer"),
		},
	}
}

func newTestRenderer(t *testing.T, opts RenderOptions) *Renderer {
	t.Helper()
	if opts.ChartFS == nil {
		opts.ChartFS = os.DirFS("testdata/render")
	}
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Transport: failingTransport{}}
	}
	r, err := NewRenderer(opts)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// failingTransport proves a render reads the cache: any download fails.
type failingTransport struct{}

func (failingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return nil, errors.New("no network in this test: " + req.URL.String())
}

func refs(r *Rendered) []string {
	var out []string
	for _, o := range r.Objects {
		out = append(out, o.Ref())
	}
	return out
}

func TestRenderPlanCapabilitiesFollowDependencies(t *testing.T) {
	r := newTestRenderer(t, RenderOptions{})
	prs, err := r.RenderPlan(context.Background(), renderPlan())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]PlanRender{}
	for _, pr := range prs {
		if pr.Err != nil {
			t.Fatalf("%s: %v", pr.Component.Name, pr.Err)
		}
		byName[pr.Component.Name] = pr
	}
	tests := []struct {
		component   string
		want, never []string
	}{
		// The chart's own crds/ are installed before its templates render.
		{"provider", []string{"CustomResourceDefinition gadgets.example.dev", "CustomResourceDefinition widgets.example.dev", "Gadget own"}, nil},
		// Transitive: consumer -> middle -> provider. v1beta1 is not served.
		{"consumer", []string{"Widget ns-consumer/consumer", "ConfigMap kube-version"}, []string{"ConfigMap served-only-when-v1beta1-is"}},
		{"lonely", []string{"ConfigMap kube-version"}, []string{"Widget ns-lonely/lonely"}},
	}
	for _, tt := range tests {
		got := refs(byName[tt.component].Rendered)
		for _, w := range tt.want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: want %s among %v", tt.component, w, got)
			}
		}
		for _, n := range tt.never {
			if slices.Contains(got, n) {
				t.Errorf("%s: %s rendered, want it gated off (%v)", tt.component, n, got)
			}
		}
	}
	wantAPIs := []string{"example.dev/v1", "example.dev/v1/Gadget", "example.dev/v1/Widget"}
	if got := byName["consumer"].Capabilities.APIVersions; !slices.Equal(got, wantAPIs) {
		t.Errorf("consumer capabilities %v, want %v", got, wantAPIs)
	}
	if got := byName["lonely"].Capabilities.APIVersions; len(got) != 0 {
		t.Errorf("lonely capabilities %v, want none", got)
	}
	for _, o := range byName["consumer"].Rendered.Objects {
		if o.Object.GetName() == "kube-version" {
			if v, _, _ := unstructured.NestedString(o.Object.Object, "data", "version"); v != "v1.36.4" {
				t.Errorf("kube version %q, want the node image's v1.36.4", v)
			}
			if o.Template != "consumer/templates/widget.yaml" {
				t.Errorf("template %q", o.Template)
			}
		}
	}
}

func TestRenderHooksThatUpRuns(t *testing.T) {
	r := newTestRenderer(t, RenderOptions{})
	p := renderPlan()
	c, _ := p.Component("lonely")
	rd, err := r.Render(context.Background(), c, Capabilities{KubeVersion: "v1.37.0"})
	if err != nil {
		t.Fatal(err)
	}
	var hooks []string
	for _, o := range rd.Objects {
		if len(o.Hook) > 0 {
			hooks = append(hooks, o.Ref()+" "+strings.Join(o.Hook, ","))
		}
	}
	want := []string{"Job migrate pre-install,pre-upgrade"}
	if !slices.Equal(hooks, want) {
		t.Errorf("hooks %v, want %v (no test or delete-only hook)", hooks, want)
	}
}

func TestRenderValuesAndKubeVersionCheck(t *testing.T) {
	r := newTestRenderer(t, RenderOptions{})
	c, _ := renderPlan().Component("middle")
	rd, err := r.RenderValues(context.Background(), c, map[string]any{"greeting": "hi"}, Capabilities{KubeVersion: "v1.37.0"})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := unstructured.NestedString(rd.Objects[0].Object.Object, "data", "greeting"); v != "hi" {
		t.Errorf("greeting %q, want the given value", v)
	}
	c, _ = renderPlan().Component("consumer")
	_, err = r.Render(context.Background(), c, Capabilities{KubeVersion: "v1.28.3"})
	if err == nil || !strings.Contains(err.Error(), "kubeVersion") {
		t.Errorf("consumer needs >=1.29: got %v", err)
	}
	if _, err := r.RenderPlan(context.Background(), &stack.Plan{Cluster: stack.Cluster{NodeImage: "mynode:latest"}}); err == nil {
		t.Error("a plan with no Kubernetes version rendered")
	}
}

// Remote charts are read from the cache layout Apply writes, with no
// network: the packaged consumer chart at its repository and OCI paths.
func TestRenderRemoteChartsFromTheCache(t *testing.T) {
	cache := t.TempDir()
	r := newTestRenderer(t, RenderOptions{CacheDir: cache})
	ch, err := loader.Load("testdata/render/consumer")
	if err != nil {
		t.Fatal(err)
	}
	repoChart := &stack.Chart{Repo: "https://charts.example/", Name: "consumer", Version: "0.2.0"}
	ociChart := &stack.Chart{OCI: "oci://registry.example/charts/consumer", Version: "0.2.0"}
	for _, file := range []string{r.charts.repoCachePath(repoChart), r.charts.ociCachePath(ociChart)} {
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			t.Fatal(err)
		}
		saved, err := chartutil.Save(ch, filepath.Dir(file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(saved, file); err != nil {
			t.Fatal(err)
		}
	}
	for _, chart := range []*stack.Chart{repoChart, ociChart} {
		c := stack.Planned{Component: stack.Component{Name: "remote", Namespace: "apps", Chart: chart}}
		rd, err := r.Render(context.Background(), c, Capabilities{KubeVersion: "v1.37.0"})
		if err != nil {
			t.Fatalf("%+v: %v", chart, err)
		}
		if rd.Chart != "consumer" || rd.Version != "0.2.0" || !slices.Contains(refs(rd), "ConfigMap kube-version") {
			t.Errorf("%+v rendered %s %s %v", chart, rd.Chart, rd.Version, refs(rd))
		}
	}
	if r.Downloads() != 0 {
		t.Errorf("%d downloads, want none", r.Downloads())
	}
	// Not in the cache: the render fails the way the download fails.
	c := stack.Planned{Component: stack.Component{Name: "missing", Chart: &stack.Chart{Repo: "https://charts.example", Name: "other", Version: "1.0.0"}}}
	if _, err := r.Render(context.Background(), c, Capabilities{KubeVersion: "v1.37.0"}); err == nil || !strings.Contains(err.Error(), "no network") {
		t.Errorf("uncached chart: %v", err)
	}
}

func TestRenderPlanKubeVersion(t *testing.T) {
	if got := PlanKubeVersion(&stack.Plan{}); got != "v1.37.0" {
		t.Errorf("default node image: %q, want kind's default v1.37.0", got)
	}
	if got := PlanKubeVersion(renderPlan()); got != "v1.36.4" {
		t.Errorf("plan's node image: %q", got)
	}
}
