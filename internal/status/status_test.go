package status

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/up"
)

type cluster kind.State

// started is when the fake cluster's node last started.
var started = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func (c cluster) Status(_ context.Context, name string) (kind.ClusterStatus, error) {
	return kind.ClusterStatus{Name: name, State: kind.State(c),
		Nodes: []kind.Container{{Name: name + "-control-plane", Running: kind.State(c) == kind.StateRunning, StartedAt: started}}}, nil
}

type releases map[string]helm.Status

func (r releases) Status(_ context.Context, c stack.Planned) (helm.Status, error) {
	if st, ok := r[c.Name]; ok {
		return st, nil
	}
	return helm.Status{}, errors.New(c.Name + ": reading the release: connection refused")
}

func plan() *stack.Plan {
	return &stack.Plan{Profile: "e2e", Domain: "e2e.test", Cluster: stack.Cluster{HTTPPort: 18080}, Components: []stack.Planned{
		{Component: stack.Component{Name: "ingress", Namespace: "ingress"}},
		{Component: stack.Component{Name: "echo", Namespace: "apps", Hosts: []string{"echo.e2e.test"}}},
	}}
}

func TestCollect(t *testing.T) {
	ready := helm.Status{Installed: true, Ready: true, Revision: 1, State: "deployed"}
	cases := []struct {
		name      string
		cluster   Cluster
		releases  releases
		targetErr error
		ready     bool
		rows      []string // each component's "installed ready error"
	}{
		{"running and ready", cluster(kind.StateRunning), releases{"ingress": ready, "echo": ready}, nil, true,
			[]string{"true true ", "true true "}},
		{"one not ready", cluster(kind.StateRunning), releases{"ingress": ready, "echo": {Installed: true, Waiting: []string{"deployment/echo 0/1 ready"}}}, nil, false,
			[]string{"true true ", "true false "}},
		{"a release unreadable", cluster(kind.StateRunning), releases{"ingress": ready}, nil, false,
			[]string{"true true ", "false false echo: reading the release: connection refused"}},
		{"stopped cluster: nothing asked", cluster(kind.StateStopped), releases{"ingress": ready, "echo": ready}, nil, false,
			[]string{"false false ", "false false "}},
		{"existing context", nil, releases{"ingress": ready, "echo": ready}, nil, true,
			[]string{"true true ", "true true "}},
		{"no kubeconfig", nil, nil, errors.New("no kubeconfig for cluster devstack"), false,
			[]string{"false false no kubeconfig for cluster devstack", "false false no kubeconfig for cluster devstack"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Collect(context.Background(), Source{
				Plan: plan(), Cluster: tc.cluster, ClusterName: "e2e",
				Target: up.Target{Context: "kind-e2e"}, TargetErr: tc.targetErr,
				Connect: func(t up.Target) (Releases, error) {
					// Readiness counts only pod statuses written since the
					// nodes last started, as up's does.
					if tc.cluster != nil && !t.ReadySince["e2e-control-plane"].Equal(started) {
						return nil, errors.New("ReadySince not passed")
					}
					return tc.releases, nil
				},
				StateDir: t.TempDir(), OSRoot: t.TempDir(),
			})
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, c := range rep.Components {
				rows = append(rows, fmtRow(c))
			}
			if rep.Ready != tc.ready || !slices.Equal(rows, tc.rows) {
				t.Errorf("ready %v rows %q; want %v %q", rep.Ready, rows, tc.ready, tc.rows)
			}
			// URLs carry the cluster's HTTP port, as the summary's do.
			if !slices.Equal(rep.URLs, []string{"http://echo.e2e.test:18080"}) {
				t.Errorf("URLs %v", rep.URLs)
			}
			if rep.DNS.Running || rep.DNS.Routing {
				t.Errorf("dns %+v in an empty state dir and OS root", rep.DNS)
			}
		})
	}
}

func fmtRow(c Component) string {
	b := func(v bool) string {
		if v {
			return "true"
		}
		return "false"
	}
	return b(c.Installed) + " " + b(c.Ready) + " " + c.Error
}
