package up

import (
	"context"

	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Uninstaller removes one component's release; existed is false when
// there was none.
type Uninstaller interface {
	Uninstall(ctx context.Context, c stack.Planned) (existed bool, err error)
}

// Remove uninstalls the plan's components of the given tier (all tiers
// when tier is empty) in reverse dependency order: a component goes only
// after everything that depends on it is gone, so an operator outlives
// the resources it manages and can run their finalizers.
func Remove(ctx context.Context, p *stack.Plan, tier stack.Tier, u Uninstaller, sink event.Sink, parallel int) (*dag.Report, error) {
	g, err := p.Graph()
	if err != nil {
		return nil, err
	}
	keep := map[string]bool{}
	for _, c := range p.Components {
		if tier == "" || c.Tier == tier {
			keep[c.Name] = true
		}
	}
	// The reversed graph restricted to the chosen tier, with an edge
	// wherever a path ran through components of the other tier, so their
	// order is kept even where the tiers interleave.
	rev := g.Reverse()
	var nodes []dag.Node
	for _, n := range rev.Topo() {
		if keep[n] {
			nodes = append(nodes, dag.Node{Name: n, Deps: keptDeps(rev, n, keep)})
		}
	}
	sub, err := dag.New(nodes)
	if err != nil {
		return nil, err
	}
	report := dag.Run(ctx, sub, func(ctx context.Context, name string) (dag.Outcome, error) {
		c, _ := p.Component(name)
		existed, err := u.Uninstall(ctx, c)
		if err != nil {
			return dag.Outcome{}, unprefixed(err)
		}
		if !existed {
			// Skipped, so that callers listing what was removed leave it out.
			return dag.Outcome{Unchanged: true, Message: "not installed"}, nil
		}
		return dag.Outcome{Message: "uninstalled"}, nil
	}, dag.Options{Parallel: parallel, Sink: sink})
	return report, report.Err()
}

// keptDeps returns the kept nodes n depends on, directly or through nodes
// that are not kept.
func keptDeps(g *dag.Graph, n string, keep map[string]bool) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(string)
	walk = func(x string) {
		for _, d := range g.Deps(x) {
			if seen[d] {
				continue
			}
			seen[d] = true
			if keep[d] {
				out = append(out, d)
			} else {
				walk(d)
			}
		}
	}
	walk(n)
	return out
}
