package main

import (
	"context"

	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/up"
	"github.com/devstack-dev/devstack/profiles"
)

// This file adapts the packages to the small interfaces of internal/up.

// kindCluster creates or reuses the kind cluster.
type kindCluster struct {
	m        *kind.Manager
	spec     kind.Spec
	recreate bool
}

func (k kindCluster) Ensure(ctx context.Context) (up.Target, error) {
	res, err := k.m.Ensure(ctx, k.spec, k.recreate)
	if err != nil {
		return up.Target{}, err
	}
	return up.Target{Kubeconfig: res.Kubeconfig, Context: res.Context, ReadySince: res.NodesStartedAt}, nil
}

// helmInstaller adapts the Helm installer to the scheduler's outcome.
type helmInstaller struct{ in *helm.Installer }

func (h helmInstaller) Apply(ctx context.Context, c stack.Planned) (dag.Outcome, error) {
	o, err := h.in.Apply(ctx, c)
	if err != nil {
		return dag.Outcome{}, err
	}
	return dag.Outcome{Unchanged: o == helm.Unchanged, Message: string(o)}, nil
}

// newHelm connects the Helm installer to a target.
func (s *streams) newHelm(t up.Target, sink event.Sink) (*helm.Installer, error) {
	return helm.New(helm.Options{Kubeconfig: t.Kubeconfig, Context: t.Context, CacheDir: s.env.CacheDir,
		ChartFS: profiles.FS, Sink: sink, ReadySince: t.ReadySince})
}

func (s *streams) newInstaller(sink event.Sink) func(context.Context, up.Target) (up.Installer, error) {
	return func(_ context.Context, t up.Target) (up.Installer, error) {
		in, err := s.newHelm(t, sink)
		if err != nil {
			return nil, err
		}
		return helmInstaller{in}, nil
	}
}
