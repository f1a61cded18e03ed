package applied

// Flags are what the command line said; a zero field was not given.
type Flags struct {
	Profile string
	Files   []string
	Sets    []string
	Only    []string
	// Cluster is --name.
	Cluster    string
	Context    string
	Kubeconfig string
}

// Choice is what a command acts on.
type Choice struct {
	Profile string
	Files   []string
	Sets    []string
	Only    []string
	// Cluster is the kind cluster's name; empty means the plan's own
	// (its cluster.name, else "devstack"). Empty with Context.
	Cluster    string
	Context    string
	Kubeconfig string
	// FromRecord says the stack came from the record (for messages).
	FromRecord bool
}

// Choose is the rule every command follows: the flag, then the record,
// then the default. The stack (profile, files, --set, --only) is chosen
// whole: a command given any of them describes its stack itself rather
// than patching what up applied. The cluster likewise: --name or
// --context, else the record's, else the plan's kind cluster.
func Choose(f Flags, rec *Record, defaultProfile string) Choice {
	var c Choice
	switch {
	case f.Profile != "" || len(f.Files) > 0 || len(f.Sets) > 0 || len(f.Only) > 0 || rec == nil:
		c.Profile, c.Files, c.Sets, c.Only = f.Profile, f.Files, f.Sets, f.Only
	default:
		c.Profile, c.Files, c.Sets, c.Only = rec.Profile, rec.Files, rec.Sets, rec.Only
		c.FromRecord = true
	}
	if c.Profile == "" {
		c.Profile = defaultProfile
	}
	switch {
	case f.Cluster != "" || f.Context != "":
		c.Cluster, c.Context, c.Kubeconfig = f.Cluster, f.Context, f.Kubeconfig
	case rec != nil:
		c.Cluster, c.Context, c.Kubeconfig = rec.Cluster, rec.Context, rec.Kubeconfig
	}
	return c
}
