package helm

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/testcluster"
)

// BenchmarkConvergedRerun measures `devstack up` on a converged cluster:
// 20 releases already applied, scheduled by the real scheduler, every one
// found unchanged after the same readiness check as a fresh install.
// Reported as seconds per release (goal: under 0.05). "since-start" adds
// the check of every pod against its node's start (after a cluster
// restart), which lists each namespace's pods.
func BenchmarkConvergedRerun(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchmarkConvergedRerun(b, nil) })
	b.Run("since-start", func(b *testing.B) {
		// Long before the pods became ready: they all pass.
		benchmarkConvergedRerun(b, map[string]time.Time{testcluster.NodeName: time.Now().Add(-time.Hour)})
	})
}

func benchmarkConvergedRerun(b *testing.B, since map[string]time.Time) {
	in := newClusterInstaller(b, nil)
	in.opts.ReadySince = since
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
		// Each `devstack up` is a new process: a new Installer, whose
		// discovery and client rate limits start afresh.
		in := newClusterInstaller(b, nil)
		in.opts.ReadySince = since
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
