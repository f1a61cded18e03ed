package prepull

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/devstack-dev/devstack/internal/registry"
)

// Pull warms the caches without a cluster (`devstack images pull`, before
// a flight): it runs a cache for every registry the images name, then
// pulls each image through its cache. Images that could not be had make a
// *PullFailures naming each.
func Pull(ctx context.Context, m *registry.Manager, images []Image, opts Options) (Result, error) {
	images = Merge(images)
	refs := make([]string, len(images))
	for i, im := range images {
		refs[i] = im.Ref
	}
	regs, err := m.Ensure(ctx, registry.Hosts(refs))
	if err != nil {
		return Result{}, err
	}
	caches := map[string]string{}
	for _, r := range regs {
		if !r.Local {
			caches[r.Host] = r.Addr
		}
	}
	res := New(opts).Run(ctx, images, caches)
	if len(res.Failed) > 0 {
		return res, &PullFailures{Failed: res.Failed}
	}
	return res, ctx.Err()
}

// PullFailures lists the images that could not be pulled, with the
// upstream's answer for each.
type PullFailures struct {
	Failed map[string]string
}

func (e *PullFailures) Error() string {
	refs := make([]string, 0, len(e.Failed))
	for ref := range e.Failed {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	var b strings.Builder
	fmt.Fprintf(&b, "%d image(s) could not be pulled:", len(refs))
	for _, ref := range refs {
		fmt.Fprintf(&b, "\n  - %s: %s", ref, e.Failed[ref])
	}
	return b.String()
}
