package flux

import (
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"

	"github.com/devstack-dev/devstack/internal/stack"
)

// SourceName is the GitRepository (in FluxNamespace) that holds the
// exported tree: the one `flux bootstrap` and a FluxInstance's sync create.
const (
	SourceName    = "flux-system"
	FluxNamespace = "flux-system"
)

// Stage is one environment of the repository: a resolved plan and the
// cluster directory it is written to.
type Stage struct {
	// Name is the stage's directory under clusters/stages (dev, prod).
	Name string
	// Cluster is the directory under the stage's clusters/ (default: the
	// plan's cluster name).
	Cluster string
	Plan    *stack.Plan
}

// Options say what to export.
type Options struct {
	// Stages are written in order; the first is the base the others patch.
	Stages []Stage
	// ChartFS holds the embedded local charts (profiles.FS); charts from
	// the user's own files are read from disk.
	ChartFS fs.FS
}

// Error is a stack the export cannot express (exit code 2): the message
// names the stage, the component and the field.
type Error struct {
	Stage, Component, Field, Msg string
}

func (e *Error) Error() string {
	return fmt.Sprintf("stage %s: components[%s].%s: %s", e.Stage, e.Component, e.Field, e.Msg)
}

// ExitCode marks the error as bad input.
func (e *Error) ExitCode() int { return 2 }

// Export builds the repository for the stages.
func Export(opts Options) (Tree, error) {
	if len(opts.Stages) == 0 {
		return nil, fmt.Errorf("export: no stage")
	}
	seen := map[string]bool{}
	for i := range opts.Stages {
		s := &opts.Stages[i]
		if s.Cluster == "" {
			s.Cluster = s.Plan.Cluster.Name
		}
		if !validDirName(s.Name) || !validDirName(s.Cluster) {
			return nil, &Error{Stage: s.Name, Component: "-", Field: "stage", Msg: fmt.Sprintf("stage %q and cluster %q must be plain directory names", s.Name, s.Cluster)}
		}
		if seen[s.Name] {
			return nil, &Error{Stage: s.Name, Component: "-", Field: "stage", Msg: "named twice"}
		}
		seen[s.Name] = true
	}
	base := opts.Stages[0]
	for _, s := range opts.Stages[1:] {
		if err := sameShape(base, s); err != nil {
			return nil, err
		}
	}
	t := Tree{}
	shared := sharedNamespaces(base.Plan)
	var services []string
	for _, c := range base.Plan.Components {
		if err := addComponent(t, opts.ChartFS, c, shared[namespaceOf(c)]); err != nil {
			return nil, err
		}
		k, err := kustomizationFor(c)
		if err != nil {
			return nil, err
		}
		if err := put(t, "base/services/"+c.Name+".yaml", k); err != nil {
			return nil, err
		}
		services = append(services, c.Name+".yaml")
	}
	t["base/services/kustomization.yaml"] = kustomizeFile(header("the Flux Kustomizations of every component, one per file; dependsOn are the plan's edges"), services, nil)
	for _, s := range opts.Stages {
		if err := addStage(t, base, s); err != nil {
			return nil, err
		}
	}
	t["README.md"] = []byte(repoReadme(opts.Stages))
	return t, nil
}

func validDirName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`)
}

// sameShape refuses stages that differ from the base in anything but
// values and timeouts: one apps/base and one base/services serve every
// stage, so their components, charts, namespaces, edges and waits are
// shared.
func sameShape(base, s Stage) error {
	bn, sn := names(base.Plan), names(s.Plan)
	for _, n := range sn {
		if !slices.Contains(bn, n) {
			return &Error{Stage: s.Name, Component: n, Field: "name", Msg: fmt.Sprintf("not in the base stage %s: every stage must have the same components", base.Name)}
		}
	}
	for _, n := range bn {
		if !slices.Contains(sn, n) {
			return &Error{Stage: s.Name, Component: n, Field: "name", Msg: fmt.Sprintf("in the base stage %s but not here: every stage must have the same components", base.Name)}
		}
	}
	for _, b := range base.Plan.Components {
		c, _ := s.Plan.Component(b.Name)
		fields := []struct {
			name string
			a, b any
		}{
			{"chart", chartKey(b.Chart), chartKey(c.Chart)},
			{"namespace", namespaceOf(b), namespaceOf(c)},
			{"dependsOn", sorted(b.DependsOn), sorted(c.DependsOn)},
			{"wait", b.Wait, c.Wait},
		}
		for _, f := range fields {
			if !reflect.DeepEqual(f.a, f.b) {
				return &Error{Stage: s.Name, Component: b.Name, Field: f.name, Msg: fmt.Sprintf("differs from the base stage %s (%v, here %v): stages may differ only in values and timeoutSeconds", base.Name, f.a, f.b)}
			}
		}
	}
	return nil
}

func chartKey(c *stack.Chart) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf("repo=%s name=%s oci=%s path=%s version=%s", c.Repo, c.Name, c.OCI, c.Path, c.Version)
}

func names(p *stack.Plan) []string {
	var n []string
	for _, c := range p.Components {
		n = append(n, c.Name)
	}
	return n
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func namespaceOf(c stack.Planned) string {
	if c.Namespace != "" {
		return c.Namespace
	}
	return "default"
}

// sharedNamespaces are the namespaces of more than one component: each
// component's directory declares its Namespace, and pruning one
// component must not delete the others' namespace.
func sharedNamespaces(p *stack.Plan) map[string]bool {
	count := map[string]int{}
	for _, c := range p.Components {
		count[namespaceOf(c)]++
	}
	out := map[string]bool{}
	for ns, n := range count {
		out[ns] = n > 1
	}
	return out
}
