package stack

import "fmt"

// overlay merges doc into the accumulated state, in place: scalar fields
// that doc sets replace, values are deep-merged, lists replace, and a
// component with a new name is added. defining is true for the catalog,
// where every name must be new.
func (s *merged) overlay(doc *Document, defining bool) ErrorList {
	var errs ErrorList
	if doc.Domain != "" {
		s.domain, s.domainFile, s.domainLine = doc.Domain, doc.file, doc.domainLine
	}
	if doc.Only != nil {
		s.only, s.onlyFile, s.onlyLine = doc.Only, doc.file, doc.onlyLine
	}
	if doc.Ingress != nil {
		s.ingress = *doc.Ingress
	}
	if doc.Cluster != nil {
		s.cluster = mergeCluster(s.cluster, *doc.Cluster)
	}
	seen := map[string]bool{}
	for _, c := range doc.Components {
		file, line := c.pos.at("name")
		if seen[c.Name] {
			errs = append(errs, &Error{File: file, Line: line, Field: "name", Msg: fmt.Sprintf("duplicate component %q in this file", c.Name)})
			continue
		}
		seen[c.Name] = true
		i, exists := s.index[c.Name]
		switch {
		case exists && defining:
			prevFile, prevLine := s.components[i].pos.at("name")
			errs = append(errs, &Error{File: file, Line: line, Field: "name",
				Msg: fmt.Sprintf("duplicate component %q (first defined at %s:%d)", c.Name, prevFile, prevLine)})
		case exists:
			s.components[i] = mergeComponent(s.components[i], c)
		default:
			s.index[c.Name] = len(s.components)
			c.Values = deepMerge(nil, c.Values)
			s.components = append(s.components, c)
		}
	}
	return errs
}

func mergeCluster(base, over Cluster) Cluster {
	if over.Name != "" {
		base.Name = over.Name
	}
	if over.NodeImage != "" {
		base.NodeImage = over.NodeImage
	}
	if over.Workers != nil {
		w := *over.Workers
		base.Workers = &w
	}
	if over.HTTPPort != 0 {
		base.HTTPPort = over.HTTPPort
	}
	if over.HTTPSPort != 0 {
		base.HTTPSPort = over.HTTPSPort
	}
	if over.RegistryMirrors != nil {
		base.RegistryMirrors = over.RegistryMirrors
	}
	return base
}

func mergeComponent(base, over Component) Component {
	if over.Chart != nil {
		base.Chart = over.Chart
	}
	if over.Namespace != "" {
		base.Namespace = over.Namespace
	}
	if over.DependsOn != nil {
		base.DependsOn = over.DependsOn
	}
	if over.Hosts != nil {
		base.Hosts = over.Hosts
	}
	base.Values = deepMerge(base.Values, over.Values)
	if over.Tier != "" {
		base.Tier = over.Tier
	}
	if over.EstimatedSeconds != 0 {
		base.EstimatedSeconds = over.EstimatedSeconds
	}
	if over.TimeoutSeconds != 0 {
		base.TimeoutSeconds = over.TimeoutSeconds
	}
	if over.Resources != nil {
		base.Resources = over.Resources
	}
	if over.Wait != nil {
		base.Wait = over.Wait
	}
	if over.Images != nil {
		base.Images = over.Images
	}
	if over.Immutable != nil {
		base.Immutable = over.Immutable
	}
	if over.Credentials != "" {
		base.Credentials = over.Credentials
	}
	if over.Disabled {
		base.Disabled = true
	}
	// Later positions win: an error about a field points at the file that
	// last wrote it; the component itself stays where it was defined.
	pos := position{}
	for k, v := range base.pos {
		pos[k] = v
	}
	for k, v := range over.pos {
		if k != "" && k != "name" {
			pos[k] = v
		}
	}
	base.pos = pos
	return base
}

// deepMerge returns base with over merged in, without modifying either:
// maps merge key by key, anything else in over replaces, and a null in over
// deletes the key (as Helm does).
func deepMerge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = deepCopy(v)
	}
	for k, v := range over {
		if v == nil {
			delete(out, k)
			continue
		}
		if om, ok := v.(map[string]any); ok {
			if bm, ok := out[k].(map[string]any); ok {
				out[k] = deepMerge(bm, om)
				continue
			}
			out[k] = deepMerge(nil, om)
			continue
		}
		out[k] = deepCopy(v)
	}
	return out
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepMerge(nil, t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}
