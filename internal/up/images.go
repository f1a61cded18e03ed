package up

import (
	"context"

	"github.com/devstack-dev/devstack/internal/stack"
)

// Images runs the registries the cluster pulls through and warms them with
// the plan's images while the cluster is being created.
type Images interface {
	// Start runs the caches and the local registry, begins warming the
	// caches in the background, and returns the registry mirrors for the
	// nodes (registry host -> endpoints). An error stops `up` before the
	// cluster is touched (with --offline: the images missing from the caches).
	Start(ctx context.Context, plan *stack.Plan) (map[string][]string, error)
	// Attach runs once the cluster answers: it announces the local registry.
	Attach(ctx context.Context, target Target) error
	// Watch reports what of component's images is still being pulled while
	// it installs; the returned function stops that and adds to the
	// install's error why an image of the component could not be pulled.
	Watch(ctx context.Context, component string) (done func(error) error)
	// Wait returns once the warming is over; its error is a warning.
	Wait(ctx context.Context) error
}

// MirroredCluster is a Cluster whose nodes can be pointed at registry
// mirrors; Run gives it the mirrors Images returns before Ensure.
type MirroredCluster interface {
	UseMirrors(mirrors map[string][]string)
}
