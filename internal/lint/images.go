package lint

import (
	"fmt"
	"strings"

	"github.com/devstack-dev/devstack/internal/images"
)

// withdrawn are image sources that no longer serve maintained images,
// with why; a prefix of the normalised name.
var withdrawn = []struct{ prefix, why string }{
	// Bitnami removed its free images from docker.io/bitnami in September
	// 2025 (only a few hardened "latest" images remain there).
	{"docker.io/bitnami/", "Bitnami withdrew its free images from docker.io/bitnami (September 2025)"},
	// The copy Bitnami left behind is frozen: no updates, no fixes.
	{"docker.io/bitnamilegacy/", "docker.io/bitnamilegacy is Bitnami's frozen archive: it gets no updates"},
	// The old Kubernetes registries are frozen and being shut down;
	// registry.k8s.io replaced them in 2023.
	{"k8s.gcr.io/", "k8s.gcr.io is frozen and shut down; use registry.k8s.io"},
	{"gcr.io/google_containers/", "gcr.io/google_containers is frozen; use registry.k8s.io"},
	{"gcr.io/google-containers/", "gcr.io/google-containers is frozen; use registry.k8s.io"},
}

// withdrawnWhy says why ref's source is withdrawn, or "".
func withdrawnWhy(ref images.Ref) string {
	name := ref.Name() + "/"
	for _, w := range withdrawn {
		if strings.HasPrefix(name, w.prefix) {
			return w.why
		}
	}
	return ""
}

// checkImages lists every image of the component and flags the bad ones:
// `latest` (or no tag) and withdrawn sources are errors, a moving tag
// ("16", "stable") a warning. An image no container pulls
// (imagePullPolicy Never everywhere) is listed but not flagged for pins.
func checkImages(component string, set *images.Set) ([]Image, []Finding) {
	var out []Image
	var found []Finding
	for _, img := range set.Of(component) {
		li := Image{Reference: img.Reference, NeverPulled: !img.Pulled()}
		u := img.Uses[0]
		at := func(sev Severity, problem, msg string) {
			li.Problems = append(li.Problems, problem)
			found = append(found, Finding{Severity: sev, Check: CheckImage, Object: u.Object, Template: u.Template,
				Field: u.Field, Message: fmt.Sprintf("%s: %s%s", img.Reference, msg, more(img.Uses))})
		}
		if why := withdrawnWhy(img.Ref); why != "" {
			at(Error, "withdrawn", why)
		}
		switch {
		case li.NeverPulled:
		case img.Ref.Latest() && img.Ref.Tag == "":
			at(Error, "latest", "no tag or digest: it pulls whatever `latest` is today")
		case img.Ref.Latest():
			at(Error, "latest", "tagged latest: it pulls whatever was pushed last")
		case !img.Ref.Pinned():
			at(Warning, "unpinned", fmt.Sprintf("tag %q moves: pin a full version or a digest", img.Ref.Tag))
		}
		out = append(out, li)
	}
	for _, inv := range set.Invalid() {
		if inv.Use.Component != component {
			continue
		}
		out = append(out, Image{Reference: inv.Value, Problems: []string{"invalid"}})
		found = append(found, Finding{Severity: Error, Check: CheckImage, Object: inv.Use.Object, Template: inv.Use.Template,
			Field: inv.Use.Field, Message: "not a valid image reference: " + inv.Err})
	}
	return out, found
}

// more says how many other places use the image.
func more(uses []images.Use) string {
	if n := len(uses) - 1; n > 0 {
		return fmt.Sprintf(" (and %d more uses)", n)
	}
	return ""
}
