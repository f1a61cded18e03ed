package images

import (
	"context"
	"os"
	"reflect"
	"testing"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/stack"
)

// The images of a rendered plan: the workloads each component renders with
// its values, the hooks `up` runs (not test hooks), and the declared list.
func TestFromRendersOfAPlan(t *testing.T) {
	chart := &stack.Chart{Path: "charts/app", Embedded: true}
	p := &stack.Plan{Components: []stack.Planned{
		{Component: stack.Component{Name: "web", Namespace: "apps", Chart: chart}},
		{Component: stack.Component{Name: "jobs", Namespace: "apps", Chart: chart,
			Values: map[string]any{"worker": map[string]any{"enabled": true}, "image": map[string]any{"tag": "2.4.1"}},
			Images: []string{"ghcr.io/example/db:17.5-standard-trixie"}}},
		{Component: stack.Component{Name: "broken", Chart: &stack.Chart{Path: "charts/missing", Embedded: true},
			Images: []string{"quay.io/example/operand:v1.0.0"}}},
	}}
	r, err := helm.NewRenderer(helm.RenderOptions{ChartFS: os.DirFS("testdata"), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	prs, err := r.RenderPlan(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if prs[2].Err == nil {
		t.Fatal("the missing chart rendered")
	}
	got := map[string][]string{}
	for _, img := range FromRenders(prs).Images() {
		got[img.Reference] = img.Components
	}
	want := map[string][]string{
		"ghcr.io/example/app:2.4.1":               {"jobs", "web"},
		"ghcr.io/example/app-worker:2.4.1":        {"jobs"},
		"ghcr.io/example/migrate:1.0.0":           {"jobs", "web"},
		"ghcr.io/example/db:17.5-standard-trixie": {"jobs"},
		"quay.io/example/operand:v1.0.0":          {"broken"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("images\n%v\nwant\n%v", got, want)
	}
}
