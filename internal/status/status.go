package status

import (
	"context"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/registry"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/up"
)

// Report is `devstack status -o json`.
type Report struct {
	Profile    string              `json:"profile"`
	Cluster    *kind.ClusterStatus `json:"cluster,omitempty"`
	Context    string              `json:"context"`
	Components []Component         `json:"components"`
	DNS        DNS                 `json:"dns"`
	// Registries are devstack's image caches and local registry.
	Registries []registry.Existing `json:"registries"`
	URLs       []string            `json:"urls"`
	// Ready is true when every component is installed and ready.
	Ready bool `json:"ready"`
}

// Component is one row.
type Component struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	helm.Status
	Error string `json:"error,omitempty"`
}

// DNS is the resolver and the OS routing.
type DNS struct {
	dns.Status
	// Routing is true when devstack's OS routing (resolver file, drop-in
	// or hosts block) is installed.
	Routing bool `json:"routing"`
}

// Cluster reads a kind cluster's state.
type Cluster interface {
	Status(ctx context.Context, name string) (kind.ClusterStatus, error)
}

// Releases reads one component's release.
type Releases interface {
	Status(ctx context.Context, c stack.Planned) (helm.Status, error)
}

// Source is where the report is read from.
type Source struct {
	Plan *stack.Plan
	// Cluster and ClusterName are the kind cluster; Cluster is nil for an
	// existing context, which is taken as reachable.
	Cluster     Cluster
	ClusterName string
	// Target is how the releases are reached; TargetErr says why not.
	Target    up.Target
	TargetErr error
	// Connect makes a release reader for Target.
	Connect func(up.Target) (Releases, error)
	// StateDir holds the resolver's files; OSRoot the OS files.
	StateDir string
	OSRoot   string
}

// Collect reads the report.
func Collect(ctx context.Context, s Source) (*Report, error) {
	p := s.Plan
	rep := &Report{Profile: p.Profile, URLs: p.URLs()}
	reachable := s.Cluster == nil
	if s.Cluster != nil {
		st, err := s.Cluster.Status(ctx, s.ClusterName)
		if err != nil {
			return nil, err
		}
		rep.Cluster = &st
		reachable = st.State == kind.StateRunning
		// Pod statuses from before the nodes last started are stale: the
		// same readiness rule as up's.
		s.Target.ReadySince = st.NodesStartedAt()
	}
	if s.TargetErr == nil {
		rep.Context = s.Target.Context
	}
	rep.Components = components(ctx, s, reachable)
	rep.DNS.Status = dns.ReadStatus(s.StateDir)
	if undo, err := osdns.PlanUndo(osdns.Config{Root: s.OSRoot, Domains: []string{p.Domain}}); err == nil {
		rep.DNS.Routing = len(undo.Changes) > 0
	}
	rep.Ready = reachable
	for _, c := range rep.Components {
		if !c.Installed || !c.Ready {
			rep.Ready = false
		}
	}
	return rep, nil
}

func components(ctx context.Context, s Source, reachable bool) []Component {
	var out []Component
	var rel Releases
	err := s.TargetErr
	if reachable && err == nil {
		rel, err = s.Connect(s.Target)
	}
	for _, c := range s.Plan.Components {
		row := Component{Name: c.Name, Namespace: c.Namespace}
		switch {
		case !reachable:
		case err != nil:
			row.Error = err.Error()
		default:
			if st, serr := rel.Status(ctx, c); serr != nil {
				row.Error = serr.Error()
			} else {
				row.Status = st
			}
		}
		out = append(out, row)
	}
	return out
}
