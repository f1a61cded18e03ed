package prepull

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Image is one image of the plan and the components that run it.
type Image struct {
	// Ref is the normalised reference: "docker.io/library/redis:7.4".
	Ref        string   `json:"ref"`
	Components []string `json:"components"`
}

// Host is the image's registry host, as the caches are keyed.
func (i Image) Host() string {
	h, _, _ := strings.Cut(i.Ref, "/")
	return h
}

// Merge joins images that name the same reference, sorted by reference,
// each with its sorted, distinct components.
func Merge(images []Image) []Image {
	by := map[string]map[string]bool{}
	for _, im := range images {
		if by[im.Ref] == nil {
			by[im.Ref] = map[string]bool{}
		}
		for _, c := range im.Components {
			by[im.Ref][c] = true
		}
	}
	out := make([]Image, 0, len(by))
	for ref, cs := range by {
		im := Image{Ref: ref}
		for c := range cs {
			im.Components = append(im.Components, c)
		}
		sort.Strings(im.Components)
		out = append(out, im)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// onCache rewrites ref to the same repository and tag or digest on a cache
// reached at addr (127.0.0.1:port, plain HTTP).
func onCache(ref, addr string) (name.Reference, error) {
	_, rest, ok := strings.Cut(ref, "/")
	if !ok {
		return nil, fmt.Errorf("image %q: not a normalised reference", ref)
	}
	r, err := name.ParseReference(addr+"/"+rest, name.Insecure, name.StrictValidation)
	if err != nil {
		return nil, fmt.Errorf("image %q: %w", ref, err)
	}
	return r, nil
}
