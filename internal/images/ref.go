package images

import (
	"fmt"
	"regexp"

	"github.com/distribution/reference"
)

// Ref is a parsed, normalised image reference.
type Ref struct {
	// Registry is the registry host, with its port if any ("docker.io",
	// "ghcr.io", "localhost:5001").
	Registry string
	// Repository is the path inside the registry ("library/nginx").
	Repository string
	// Tag is empty when the reference names none (the runtime then pulls
	// "latest", unless Digest is set).
	Tag string
	// Digest is "sha256:..." when the reference pins one.
	Digest string
}

// Parse parses an image reference as the container runtime does, with
// Docker Hub's defaults (registry docker.io, namespace library).
func Parse(s string) (Ref, error) {
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Ref{}, fmt.Errorf("image reference %q: %w", s, err)
	}
	r := Ref{Registry: reference.Domain(named), Repository: reference.Path(named)}
	if t, ok := named.(reference.Tagged); ok {
		r.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		r.Digest = d.Digest().String()
	}
	return r, nil
}

// Name is the repository with its registry: "docker.io/library/nginx".
func (r Ref) Name() string { return r.Registry + "/" + r.Repository }

// String is the full normalised reference: name, ":tag" if any, "@digest"
// if any.
func (r Ref) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Latest reports whether the reference says "latest": tag latest (even
// with a digest, the tag then misleads about what runs), or neither tag
// nor digest, which pulls whatever was pushed last.
func (r Ref) Latest() bool {
	return r.Tag == "latest" || (r.Tag == "" && r.Digest == "")
}

// fullVersion matches a tag that names one release: at least major.minor
// ("1.27", "v3.7.11", "16.4-standard-trixie", "2025.1.2", "0.8.1-debian").
// A bare major ("16", "v2") is a rolling tag.
var fullVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+([.+_-].*)?$`)

// Pinned reports whether the reference names one image for good: it has a
// digest, or its tag names a full version. Tags such as "16", "stable",
// "main" or "edge" move, and so does "latest".
func (r Ref) Pinned() bool {
	return r.Digest != "" || fullVersion.MatchString(r.Tag)
}
