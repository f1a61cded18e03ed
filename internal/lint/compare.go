package lint

import (
	"fmt"
	"strings"

	"github.com/devstack-dev/devstack/internal/helm"
)

// fingerprint is a render reduced to what the values check compares: each
// object's lines, by a key that survives reordering (template, kind,
// namespace, name, hook, occurrence).
type fingerprint struct {
	objects map[string][]string
	// noisy are the objects that differ between two renders of the same
	// values: per object, nil masks the whole object (its line count
	// varies, so only its presence is compared), else the masked lines.
	noisy map[string]map[int]bool
}

func newFingerprint(r *helm.Rendered) *fingerprint {
	fp := &fingerprint{objects: map[string][]string{}}
	seen := map[string]int{}
	for _, o := range r.Objects {
		k := fmt.Sprintf("%s\x00%s\x00%s", o.Template, o.Ref(), strings.Join(o.Hook, ","))
		seen[k]++
		fp.objects[fmt.Sprintf("%s\x00%d", k, seen[k])] = strings.Split(o.YAML, "\n")
	}
	return fp
}

// masked returns fp with what differs from again (a second render of the
// same values) masked.
func (fp *fingerprint) masked(again *fingerprint) *fingerprint {
	out := &fingerprint{objects: fp.objects, noisy: map[string]map[int]bool{}}
	for k, lines := range fp.objects {
		other, ok := again.objects[k]
		switch {
		case !ok:
			out.noisy[k] = nil
		case len(other) != len(lines):
			out.noisy[k] = nil
		default:
			for i := range lines {
				if lines[i] != other[i] {
					if out.noisy[k] == nil {
						out.noisy[k] = map[int]bool{}
					}
					out.noisy[k][i] = true
				}
			}
		}
	}
	return out
}

// same reports whether other renders the same as fp, ignoring what is
// masked in fp.
func (fp *fingerprint) same(other *fingerprint) bool {
	if len(fp.objects) != len(other.objects) {
		return false
	}
	for k, lines := range fp.objects {
		theirs, ok := other.objects[k]
		if !ok {
			return false
		}
		mask, noisy := fp.noisy[k]
		if noisy && mask == nil {
			continue
		}
		if len(theirs) != len(lines) {
			return false
		}
		for i := range lines {
			if lines[i] != theirs[i] && !mask[i] {
				return false
			}
		}
	}
	return true
}
