package helm

import (
	"context"
	"testing"

	"helm.sh/helm/v3/pkg/action"

	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// TestEmbeddedChartsRender loads every chart embedded in profiles/ the way
// Apply does and renders it, client-side, with the values each profile
// plans for it: a template error or a values mismatch in a local chart
// fails here rather than on a user's cluster.
func TestEmbeddedChartsRender(t *testing.T) {
	in := offlineInstaller(t, Options{ChartFS: profiles.FS})
	for _, profile := range []string{"dev", "prod", "minimal"} {
		plan, err := stack.Load(stack.Options{FS: profiles.FS, Profile: profile})
		if err != nil {
			t.Fatalf("profile %s: %v", profile, err)
		}
		for _, c := range plan.Components {
			if c.Chart == nil || !c.Chart.Embedded {
				continue
			}
			t.Run(profile+"/"+c.Name, func(t *testing.T) {
				ch, err := in.loadChart(context.Background(), c)
				if err != nil {
					t.Fatal(err)
				}
				vals, err := normalizeValues(c.Values)
				if err != nil {
					t.Fatal(err)
				}
				i := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
				i.ClientOnly, i.DryRun, i.ReleaseName, i.Namespace = true, true, c.Name, namespaceOf(c)
				rel, err := i.RunWithContext(context.Background(), ch, vals)
				if err != nil {
					t.Fatalf("rendering: %v", err)
				}
				if rel.Manifest == "" {
					t.Fatal("the chart renders nothing")
				}
			})
		}
	}
}
