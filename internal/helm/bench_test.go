package helm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/stack"
)

// BenchmarkConvergedRerun measures `devstack up` on a converged cluster:
// 20 releases already applied, scheduled by the real scheduler, every one
// found unchanged. Reported as seconds per release (goal: under 0.1).
func BenchmarkConvergedRerun(b *testing.B) {
	in := newClusterInstaller(b, nil)
	ns := "bench-converged"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var comps []stack.Planned
	for i := range 20 {
		var deps []string
		if i > 0 && i%4 != 0 {
			deps = []string{fmt.Sprintf("r%02d", i-1)}
		}
		comps = append(comps, component(fmt.Sprintf("r%02d", i), "app", ns, map[string]any{"greeting": fmt.Sprint(i)}, deps...))
	}
	if err := runPlan(ctx, b, in, nil, comps...).Err(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		rep := runPlan(ctx, b, in, nil, comps...)
		if err := rep.Err(); err != nil {
			b.Fatal(err)
		}
		for _, r := range rep.Results {
			if r.Message != string(Unchanged) {
				b.Fatalf("%s: %q on a converged cluster", r.Name, r.Message)
			}
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N*len(comps)), "s/release")
}
