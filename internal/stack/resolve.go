package stack

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/strvals"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/devstack-dev/devstack/internal/dag"
)

// fieldErr locates a problem with a component's field.
func fieldErr(c Component, field, format string, args ...any) *Error {
	file, line := c.pos.at(field)
	return &Error{File: file, Line: line, Field: fmt.Sprintf("components[%s].%s", c.Name, field), Msg: fmt.Sprintf(format, args...)}
}

// set applies "component.path=value" overrides with Helm's own --set
// syntax for the values path.
func (s *merged) set(sets []string) error {
	var errs ErrorList
	for _, kv := range sets {
		name, rest, ok := strings.Cut(kv, ".")
		i, known := s.index[name]
		if !ok || !strings.Contains(rest, "=") {
			errs = append(errs, &Error{File: "--set", Field: kv, Msg: "want component.path=value, e.g. postgresql.cluster.instances=3"})
			continue
		}
		if !known {
			errs = append(errs, &Error{File: "--set", Field: kv, Msg: fmt.Sprintf("unknown component %q", name)})
			continue
		}
		c := &s.components[i]
		if c.Values == nil {
			c.Values = map[string]any{}
		}
		if err := strvals.ParseInto(rest, c.Values); err != nil {
			errs = append(errs, &Error{File: "--set", Field: kv, Msg: err.Error()})
		}
	}
	return errs.orNil()
}

// resolve validates the merged stack and turns it into a Plan.
func (s *merged) resolve(profile string, only []string) (*Plan, error) {
	var errs ErrorList
	if msgs := validation.IsDNS1123Subdomain(s.domain); len(msgs) > 0 {
		errs = append(errs, &Error{File: s.domainFile, Line: s.domainLine, Field: "domain", Msg: fmt.Sprintf("invalid domain %q: %s", s.domain, msgs[0])})
	}
	active := map[string]Component{}
	var order []Component
	for _, c := range s.components {
		if !c.Disabled {
			active[c.Name] = c
			order = append(order, c)
		}
	}
	var nodes []dag.Node
	for _, c := range order {
		errs = append(errs, s.validate(c, active)...)
		var deps []string
		for _, d := range c.DependsOn {
			if _, ok := active[d]; ok {
				deps = append(deps, d)
			}
		}
		nodes = append(nodes, dag.Node{Name: c.Name, Deps: deps})
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	g, err := dag.New(nodes)
	if err != nil {
		return nil, s.graphError(err, active)
	}
	selected, err := s.selection(g, only)
	if err != nil {
		return nil, err
	}
	if len(selected) < g.Len() {
		var sub []dag.Node
		for _, name := range selected {
			sub = append(sub, dag.Node{Name: name, Deps: g.Deps(name)})
		}
		if g, err = dag.New(sub); err != nil {
			return nil, err
		}
	}
	layers := g.Layers()
	plan := &Plan{Profile: profile, Domain: s.domain, Cluster: s.cluster, Ingress: s.ingress}
	for _, name := range g.Topo() {
		c := active[name]
		c.Hosts = expandHosts(c.Hosts, s.domain)
		c.Values, _ = expandValues(c.Values, s.domain).(map[string]any)
		if c.Values == nil {
			c.Values = map[string]any{}
		}
		p := Planned{Component: c, Layer: layers[name], Source: c.pos[""].file}
		if c.Chart != nil && c.Chart.Path != "" {
			ch := *c.Chart
			dir := s.dirs[name]
			ch.Path, ch.Embedded = chartPath(ch.Path, dir)
			p.Chart, p.Dir = &ch, dir
		}
		plan.Components = append(plan.Components, p)
	}
	plan.CriticalPath, _ = g.CriticalPath(func(n string) float64 { return float64(active[n].EstimatedSeconds) })
	for _, n := range plan.CriticalPath {
		plan.CriticalSeconds += active[n].EstimatedSeconds
	}
	return plan, nil
}

// selection applies the documents' `only` and then the command line's.
func (s *merged) selection(g *dag.Graph, cliOnly []string) ([]string, error) {
	selected := g.Topo()
	if len(s.only) > 0 {
		var err error
		if selected, err = g.Closure(s.only); err != nil {
			return nil, &Error{File: s.onlyFile, Line: s.onlyLine, Field: "only", Msg: err.Error()}
		}
	}
	if len(cliOnly) == 0 {
		return selected, nil
	}
	in := map[string]bool{}
	for _, n := range selected {
		in[n] = true
	}
	for _, n := range cliOnly {
		if !in[n] {
			return nil, &Error{File: "--only", Field: n, Msg: fmt.Sprintf("unknown component %q (see `devstack plan` for the names)", n)}
		}
	}
	closure, _ := g.Closure(cliOnly)
	return closure, nil
}

// validate checks one component's own fields and its dependencies.
func (s *merged) validate(c Component, active map[string]Component) ErrorList {
	var errs ErrorList
	if msgs := validation.IsDNS1123Label(c.Name); len(msgs) > 0 {
		errs = append(errs, fieldErr(c, "name", "invalid component name %q: %s", c.Name, msgs[0]))
	}
	if c.Namespace == "" {
		errs = append(errs, fieldErr(c, "namespace", "missing namespace"))
	} else if msgs := validation.IsDNS1123Label(c.Namespace); len(msgs) > 0 {
		errs = append(errs, fieldErr(c, "namespace", "invalid namespace %q: %s", c.Namespace, msgs[0]))
	}
	errs = append(errs, validateChart(c)...)
	for i, d := range c.DependsOn {
		field := fmt.Sprintf("dependsOn[%d]", i)
		if _, ok := active[d]; ok {
			continue
		}
		if j, ok := s.index[d]; ok && s.components[j].Disabled {
			errs = append(errs, fieldErr(c, field, "depends on %q, which is disabled", d))
			continue
		}
		errs = append(errs, fieldErr(c, field, "unknown dependency %q", d))
	}
	for i, h := range expandHosts(c.Hosts, s.domain) {
		if msgs := validation.IsDNS1123Subdomain(h); len(msgs) > 0 {
			errs = append(errs, fieldErr(c, fmt.Sprintf("hosts[%d]", i), "invalid host name %q: %s", h, msgs[0]))
		}
	}
	if c.Tier != "" && c.Tier != TierFoundation && c.Tier != TierApps {
		errs = append(errs, fieldErr(c, "tier", "unknown tier %q (want %s or %s)", c.Tier, TierFoundation, TierApps))
	}
	if c.EstimatedSeconds < 0 || c.TimeoutSeconds < 0 {
		errs = append(errs, fieldErr(c, "estimatedSeconds", "durations cannot be negative"))
	}
	if r := c.Resources; r != nil {
		for field, q := range map[string]string{"resources.cpu": r.CPU, "resources.memory": r.Memory} {
			if q == "" {
				continue
			}
			if _, err := resource.ParseQuantity(q); err != nil {
				errs = append(errs, fieldErr(c, field, "invalid quantity %q", q))
			}
		}
	}
	for i, w := range c.Wait {
		if w.APIVersion == "" || w.Kind == "" || w.Name == "" {
			errs = append(errs, fieldErr(c, fmt.Sprintf("wait[%d]", i), "needs apiVersion, kind and name"))
		}
	}
	for i, ref := range c.Images {
		if msg := checkImage(ref); msg != "" {
			errs = append(errs, fieldErr(c, fmt.Sprintf("images[%d]", i), "%s", msg))
		}
	}
	for i, path := range c.Immutable {
		if path == "" || slices.Contains(strings.Split(path, "."), "") {
			errs = append(errs, fieldErr(c, fmt.Sprintf("immutable[%d]", i), "invalid values path %q: want keys joined by dots, e.g. server.config.replicas", path))
		}
	}
	sort.SliceStable(errs, func(a, b int) bool { return errs[a].Line < errs[b].Line })
	return errs
}

func validateChart(c Component) ErrorList {
	ch := c.Chart
	if ch == nil {
		return ErrorList{fieldErr(c, "chart", "missing chart: give {repo, name, version}, {oci, version} or {path}")}
	}
	kinds := 0
	for _, set := range []bool{ch.Repo != "" || ch.Name != "", ch.OCI != "", ch.Path != ""} {
		if set {
			kinds++
		}
	}
	switch {
	case kinds != 1:
		return ErrorList{fieldErr(c, "chart", "give exactly one of {repo, name}, {oci} or {path}")}
	case ch.Repo != "" && ch.Name == "":
		return ErrorList{fieldErr(c, "chart.name", "missing chart name for repository %s", ch.Repo)}
	case ch.Name != "" && ch.Repo == "":
		return ErrorList{fieldErr(c, "chart.repo", "missing repository URL for chart %s", ch.Name)}
	case ch.OCI != "" && !strings.HasPrefix(ch.OCI, "oci://"):
		return ErrorList{fieldErr(c, "chart.oci", "an OCI reference starts with oci://, got %q", ch.OCI)}
	case (ch.Repo != "" || ch.OCI != "") && ch.Version == "":
		return ErrorList{fieldErr(c, "chart.version", "missing chart version: pin an exact version so every run installs the same chart")}
	}
	return nil
}

// graphError locates a cycle at the dependsOn entry that closes it.
func (s *merged) graphError(err error, active map[string]Component) error {
	var ce *dag.CycleError
	if errors.As(err, &ce) && len(ce.Path) > 1 {
		c := active[ce.Path[0]]
		for i, d := range c.DependsOn {
			if d == ce.Path[1] {
				file, line := c.pos.at(fmt.Sprintf("dependsOn[%d]", i))
				return &Error{File: file, Line: line, Field: fmt.Sprintf("components[%s].dependsOn[%d]", c.Name, i), Msg: err.Error()}
			}
		}
	}
	return &Error{File: "stack", Msg: err.Error()}
}

// expandHosts substitutes the domain: "${domain}" is replaced and a bare
// name gets ".<domain>" appended.
func expandHosts(hosts []string, domain string) []string {
	if hosts == nil {
		return nil
	}
	out := make([]string, len(hosts))
	for i, h := range hosts {
		h = strings.ReplaceAll(h, "${domain}", domain)
		if !strings.Contains(h, ".") {
			h += "." + domain
		}
		out[i] = strings.ToLower(h)
	}
	return out
}

// expandValues substitutes "${domain}" in every string of v.
func expandValues(v any, domain string) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = expandValues(e, domain)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = expandValues(e, domain)
		}
		return out
	case string:
		return strings.ReplaceAll(t, "${domain}", domain)
	default:
		return v
	}
}
