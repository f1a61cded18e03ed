package reset

import (
	"context"
	"fmt"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/up"
)

// Releases uninstalls the plan's releases of tier (every tier when empty)
// in reverse dependency order, and lists those it uninstalled.
func Releases(ctx context.Context, p *stack.Plan, tier stack.Tier, u up.Uninstaller, sink event.Sink) ([]string, error) {
	rep, err := up.Remove(ctx, p, tier, u, sink, 0)
	var removed []string
	if rep != nil {
		for _, r := range rep.Results {
			if r.State == event.Succeeded {
				removed = append(removed, "release "+r.Name)
			}
		}
	}
	if err != nil {
		return removed, fmt.Errorf("uninstalling releases: %w", err)
	}
	return removed, nil
}
