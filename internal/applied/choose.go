package applied

// Stack is what chooses the stack: --profile, -f, --set, --only.
type Stack struct {
	Profile string   `json:"profile"`
	Files   []string `json:"files,omitempty"`
	Sets    []string `json:"sets,omitempty"`
	Only    []string `json:"only,omitempty"`
}

func (s Stack) given() bool {
	return s.Profile != "" || len(s.Files) > 0 || len(s.Sets) > 0 || len(s.Only) > 0
}

// Target is the cluster: a kind cluster's name, or an existing context.
type Target struct {
	// Cluster is the kind cluster's name; empty with Context.
	Cluster    string `json:"cluster,omitempty"`
	Context    string `json:"context,omitempty"`
	Kubeconfig string `json:"kubeconfig,omitempty"`
}

// Flags are what the command line said; a zero field was not given.
type Flags struct {
	Stack
	Target
}

// Choice is what a command acts on. An empty Cluster without Context
// means the plan's own kind cluster (its cluster.name, else "devstack").
type Choice struct {
	Stack
	Target
	// FromRecord says the stack came from the record.
	FromRecord bool
}

// Choose is the rule every command follows: the flag, then the record,
// then the default. The stack is chosen whole: a command given any of its
// flags describes its stack itself rather than patching what up applied.
// The cluster likewise: --name or --context, else the record's, else the
// plan's kind cluster.
func Choose(f Flags, rec *Record, defaultProfile string) Choice {
	c := Choice{Stack: f.Stack, Target: f.Target}
	if !f.Stack.given() && rec != nil {
		c.Stack, c.FromRecord = rec.Stack, true
	}
	if c.Profile == "" {
		c.Profile = defaultProfile
	}
	if f.Cluster == "" && f.Context == "" && rec != nil {
		c.Target = rec.Target
	}
	return c
}
