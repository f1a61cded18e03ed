package stack

import (
	"fmt"

	"github.com/distribution/reference"
)

// checkImage says what is wrong with an image reference of a component's
// `images:` list, or "" when it is pinned: an image without a tag or
// digest, or tagged "latest", pulls whatever was pushed last, so two runs
// of `up` would not install the same stack.
func checkImage(ref string) string {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return fmt.Sprintf("invalid image reference %q: %v", ref, err)
	}
	_, digested := named.(reference.Digested)
	tagged, hasTag := named.(reference.Tagged)
	switch {
	case hasTag && tagged.Tag() == "latest":
		// Even with a digest: the tag then lies about what runs.
		return fmt.Sprintf("image %q is tagged latest: pin a version tag (or a digest)", ref)
	case !hasTag && !digested:
		return fmt.Sprintf("image %q has no tag or digest: pin a version tag (or a digest)", ref)
	}
	return ""
}
