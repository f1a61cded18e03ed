package images

import "github.com/devstack-dev/devstack/internal/helm"

// FromRenders collects the images of a rendered plan: every workload of
// every component that rendered, and the images the catalog declares for
// each component. A component that failed to render contributes only its
// declared images (the caller reports its render error).
func FromRenders(renders []helm.PlanRender) *Set {
	s := &Set{}
	for _, pr := range renders {
		if pr.Rendered != nil {
			for _, o := range pr.Rendered.Objects {
				s.AddObject(pr.Component.Name, pr.Rendered.Namespace, o.Template, o.Object)
			}
		}
		s.AddDeclared(pr.Component.Name, pr.Component.Images)
	}
	return s
}
