package prepull

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/devstack-dev/devstack/internal/registry"
)

// Platform is the nodes' platform (linux and an architecture).
type Platform = v1.Platform

// ImageStatus is one image of the plan as the caches hold it.
type ImageStatus struct {
	Image
	Registry string `json:"registry"`
	// Cached is true when the image's cache holds all of it.
	Cached bool `json:"cached"`
	// Size is the image's compressed size (config and layers), known for
	// cached images.
	Size int64 `json:"size,omitempty"`
	// Note says why an image is not known to be cached.
	Note string `json:"note,omitempty"`
}

// Stored tells, for every image, whether its registry's cache (among
// regs) holds it whole, reading the caches' storage and never asking an
// upstream.
func Stored(ctx context.Context, m *registry.Manager, regs []registry.Registry, images []Image, platform Platform) ([]ImageStatus, error) {
	if platform.OS == "" {
		platform = New(Options{}).opts.Platform
	}
	byHost := map[string]registry.Registry{}
	for _, r := range regs {
		byHost[r.Host] = r
	}
	contents := map[string]*registry.Contents{}
	out := make([]ImageStatus, 0, len(images))
	for _, im := range Merge(images) {
		st := ImageStatus{Image: im, Registry: im.Host()}
		host, repo, id, err := registry.SplitRef(im.Ref)
		r, ok := byHost[host]
		switch {
		case err != nil:
			st.Note = err.Error()
		case !ok:
			st.Note = errNoCache.Error()
		default:
			c := contents[r.Container]
			if c == nil {
				if c, err = m.ReadContents(ctx, r.Container); err != nil {
					return nil, err
				}
				contents[r.Container] = c
			}
			st.Cached, st.Size, err = c.Stored(ctx, r.Addr, repo, id, platform)
			if err != nil {
				st.Note = fmt.Sprintf("reading it from %s: %v", r.Container, err)
			}
		}
		out = append(out, st)
	}
	return out, nil
}
