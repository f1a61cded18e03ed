package stack

// Plan is a resolved stack: what `devstack up` installs, in an order that
// respects every dependency.
type Plan struct {
	Profile string  `json:"profile"`
	Domain  string  `json:"domain"`
	Cluster Cluster `json:"cluster"`
	Ingress Ingress `json:"ingress"`
	// Components are in dependency order: every component comes after all
	// of its dependencies.
	Components []Planned `json:"components"`
	// CriticalPath is the longest chain by estimated time, dependencies first.
	CriticalPath []string `json:"criticalPath"`
	// CriticalSeconds is the summed estimate along CriticalPath.
	CriticalSeconds int `json:"criticalSeconds"`
}

// Planned is a component with everything merged and resolved.
type Planned struct {
	Component
	// Layer is the length of the component's longest dependency chain.
	Layer int `json:"layer"`
	// Source is the file that defined the component (for messages).
	Source string `json:"-"`
	// Dir is the directory relative chart paths are resolved against; empty
	// for the embedded profiles.
	Dir string `json:"-"`
}

// Component returns the planned component named name, or false.
func (p *Plan) Component(name string) (Planned, bool) {
	for _, c := range p.Components {
		if c.Name == name {
			return c, true
		}
	}
	return Planned{}, false
}
