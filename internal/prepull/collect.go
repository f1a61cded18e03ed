package prepull

import (
	"context"
	"errors"
	"fmt"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/images"
	"github.com/devstack-dev/devstack/internal/stack"
)

// PlanRenderer renders every component of a plan as `up` installs it
// (helm.Renderer).
type PlanRenderer interface {
	RenderPlan(ctx context.Context, p *stack.Plan) ([]helm.PlanRender, error)
}

// Collect returns every image the plan runs: the containers and init
// containers of every rendered workload (CronJobs and hooks `up` runs
// included) and the images the catalog declares for the pods operators
// create. A component that does not render is an error, but the images of
// the others are still returned, so that warming goes on without it.
func Collect(ctx context.Context, r PlanRenderer, p *stack.Plan) ([]Image, error) {
	rendered, err := r.RenderPlan(ctx, p)
	if err != nil && len(rendered) == 0 {
		return nil, err
	}
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	for _, pr := range rendered {
		if pr.Err != nil {
			errs = append(errs, fmt.Errorf("rendering %s: %w", pr.Component.Name, pr.Err))
		}
	}
	set := images.FromRenders(rendered)
	for _, inv := range set.Invalid() {
		errs = append(errs, fmt.Errorf("%s: %s %s: image %q: %s", inv.Use.Component, inv.Use.Object, inv.Use.Field, inv.Value, inv.Err))
	}
	var out []Image
	for _, im := range set.Images() {
		out = append(out, Image{Ref: im.Reference, Components: im.Components})
	}
	return out, errors.Join(errs...)
}
