package lint

import (
	"context"
	"testing"

	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// BenchmarkLint lints the defects profile: the values check dominates, at
// one or two renders per key.
func BenchmarkLint(b *testing.B) {
	p, err := stack.Load(stack.Options{FS: profiles.FS, Profile: "testdata/profiles/defects.yaml"})
	if err != nil {
		b.Fatal(err)
	}
	r := newRenderer(b)
	var renders, keys int
	for b.Loop() {
		rep, err := Run(context.Background(), p, Options{Renderer: r})
		if err != nil {
			b.Fatal(err)
		}
		renders, keys = 0, 0
		for _, c := range rep.Components {
			renders += c.Renders
			keys += c.ValueKeys
		}
	}
	b.ReportMetric(float64(renders)/float64(keys), "renders/key")
	b.ReportMetric(float64(renders), "renders/op")
}
