package dag_test

import (
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// timeScale turns the catalog's estimated seconds into simulated work: one
// estimated second becomes one millisecond of sleeping.
const timeScale = time.Millisecond

// seedGraph is the real dev plan: the seed's services with the catalog's
// edges and estimates.
func seedGraph(b *testing.B) (*dag.Graph, map[string]time.Duration, time.Duration) {
	b.Helper()
	plan, err := stack.Load(stack.Options{FS: profiles.FS})
	if err != nil {
		b.Fatal(err)
	}
	var nodes []dag.Node
	cost := map[string]time.Duration{}
	for _, c := range plan.Components {
		nodes = append(nodes, dag.Node{Name: c.Name, Deps: c.DependsOn})
		cost[c.Name] = time.Duration(c.EstimatedSeconds) * timeScale
	}
	g, err := dag.New(nodes)
	if err != nil {
		b.Fatal(err)
	}
	return g, cost, time.Duration(plan.CriticalSeconds) * timeScale
}

func sleepWork(cost map[string]time.Duration) dag.Work {
	return func(ctx context.Context, name string) (dag.Outcome, error) {
		select {
		case <-time.After(cost[name]):
			return dag.Outcome{}, nil
		case <-ctx.Done():
			return dag.Outcome{}, ctx.Err()
		}
	}
}

// seedWaves are the layers of seed 004's dependency graph, the waves a
// wave-based GitOps set-up (the seed's "Traditional GitOps uses wave-based
// deployment") would deploy one after the other.
var seedWaves = [][]string{
	{"traefik", "traefik-config", "localstack", "cnpg-operator", "external-secrets", "eso-config", "metrics-server", "scylla-operator", "cert-manager"},
	{"kube-prometheus-stack", "weave-gitops"},
	{"loki", "alloy", "jaeger", "opentelemetry"},
	{"scylla-manager"},
	{"postgresql", "redis", "scylladb"},
	{"n8n", "temporal"},
	{"pgadmin4", "redisinsight"},
}

// runWaves deploys wave after wave; inside a wave the dependencies between
// its own members are still respected.
func runWaves(g *dag.Graph, waves [][]string, work dag.Work, parallel int) error {
	count := 0
	for _, wave := range waves {
		for _, n := range wave {
			if !g.Has(n) {
				return fmt.Errorf("wave member %s is not in the plan", n)
			}
			count++
		}
	}
	if count != g.Len() {
		return fmt.Errorf("the waves hold %d components, the plan %d", count, g.Len())
	}
	for _, wave := range waves {
		in := map[string]bool{}
		for _, n := range wave {
			in[n] = true
		}
		var nodes []dag.Node
		for _, n := range wave {
			var deps []string
			for _, d := range g.Deps(n) {
				if in[d] {
					deps = append(deps, d)
				}
			}
			nodes = append(nodes, dag.Node{Name: n, Deps: deps})
		}
		wg, err := dag.New(nodes)
		if err != nil {
			return err
		}
		if err := dag.Run(context.Background(), wg, work, dag.Options{Parallel: parallel}).Err(); err != nil {
			return err
		}
	}
	return nil
}

// runLevels is wave scheduling as helmfile's `needs` does it: a level
// starts only when the whole previous level is done.
func runLevels(g *dag.Graph, work dag.Work, parallel int) error {
	for _, level := range g.Levels() {
		var nodes []dag.Node
		for _, n := range level {
			nodes = append(nodes, dag.Node{Name: n})
		}
		lg, err := dag.New(nodes)
		if err != nil {
			return err
		}
		if err := dag.Run(context.Background(), lg, work, dag.Options{Parallel: parallel}).Err(); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkSeedGraph runs the seed graph with devstack's scheduler, with
// level scheduling (helmfile's needs: a level waits for the whole previous
// level) and with the seed's own waves, side by side, and reports
// makespan/critical-path and the ratios of the other two to devstack.
func BenchmarkSeedGraph(b *testing.B) {
	g, cost, critical := seedGraph(b)
	work := sleepWork(cost)
	var dagTotal, levelTotal, waveTotal time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if err := dag.Run(context.Background(), g, work, dag.Options{
			Parallel: dag.DefaultParallel,
			Weight:   func(n string) float64 { return float64(cost[n]) },
		}).Err(); err != nil {
			b.Fatal(err)
		}
		dagTotal += time.Since(start)
		start = time.Now()
		if err := runLevels(g, work, dag.DefaultParallel); err != nil {
			b.Fatal(err)
		}
		levelTotal += time.Since(start)
		start = time.Now()
		if err := runWaves(g, seedWaves, work, dag.DefaultParallel); err != nil {
			b.Fatal(err)
		}
		waveTotal += time.Since(start)
	}
	b.ReportMetric(float64(dagTotal)/float64(b.N)/float64(critical), "makespan/critical")
	b.ReportMetric(float64(levelTotal)/float64(dagTotal), "levels/devstack")
	// The best any scheduler can do against level scheduling on this graph
	// and these durations: the levels' makespan over the critical path.
	b.ReportMetric(float64(levelBound(g, cost))/float64(critical), "levels-bound/critical")
	b.ReportMetric(float64(waveTotal)/float64(dagTotal), "seedwaves/devstack")
	b.ReportMetric(float64(dagTotal)/float64(b.N)/float64(time.Millisecond), "ms/run")
}

// randomGraph has n nodes, each depending on up to three earlier ones.
func randomGraph(n int, seed int64) []dag.Node {
	r := rand.New(rand.NewSource(seed))
	nodes := make([]dag.Node, n)
	for i := range nodes {
		nodes[i].Name = fmt.Sprintf("n%04d", i)
		for k := r.Intn(4); k > 0 && i > 0; k-- {
			nodes[i].Deps = append(nodes[i].Deps, nodes[r.Intn(i)].Name)
		}
	}
	return nodes
}

// BenchmarkOverhead1000 measures the scheduler's own cost per node on a
// random 1,000-node graph whose work costs nothing (goal: under 50 µs).
func BenchmarkOverhead1000(b *testing.B) {
	g, err := dag.New(randomGraph(1000, 1))
	if err != nil {
		b.Fatal(err)
	}
	noop := func(context.Context, string) (dag.Outcome, error) { return dag.Outcome{}, nil }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := dag.Run(context.Background(), g, noop, dag.Options{}).Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "µs/node")
}

// levelBound is the makespan of level scheduling with unbounded
// parallelism: the sum over levels of each level's longest node.
func levelBound(g *dag.Graph, cost map[string]time.Duration) time.Duration {
	var total time.Duration
	for _, level := range g.Levels() {
		var longest time.Duration
		for _, n := range level {
			longest = max(longest, cost[n])
		}
		total += longest
	}
	return total
}
