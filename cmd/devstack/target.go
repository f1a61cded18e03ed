package main

import (
	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/up"
)

// targetFlags choose the cluster that status and reset look at: the kind
// cluster by default, or an existing context.
type targetFlags struct {
	name       string
	context    string
	kubeconfig string
}

func (f *targetFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.name, "name", "", "kind cluster name (default: the profile's, \"devstack\")")
	fl.StringVar(&f.context, "context", "", "an existing kubeconfig context instead of the kind cluster")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file for --context")
}

// clusterName is the kind cluster's name from the flag or the plan.
func (f *targetFlags) clusterName(p *stack.Plan) string {
	if f.name != "" {
		return f.name
	}
	if p != nil && p.Cluster.Name != "" {
		return p.Cluster.Name
	}
	return kind.DefaultName
}

// target is where the releases live: --context, or devstack's private
// kubeconfig of the kind cluster.
func (f *targetFlags) target(m *kind.Manager, name string) (up.Target, error) {
	if f.context != "" {
		return up.Target{Kubeconfig: f.kubeconfig, Context: f.context}, nil
	}
	kc, err := m.KubeconfigPath(name)
	if err != nil {
		return up.Target{}, err
	}
	return up.Target{Kubeconfig: kc, Context: kind.ContextFor(name)}, nil
}

// manager is a kind manager of this machine reporting to sink (nil: nowhere).
func (s *streams) manager(sink event.Sink) (*kind.Manager, error) {
	return kind.New(kind.Options{Engine: s.env.Engine, StateDir: s.env.StateDir}, sink)
}
