package kind

import (
	"reflect"
	"testing"
)

// observed builds the containers of a cluster made from spec s, as the
// engine would show them.
func observed(s Spec, running bool) Observed {
	o := Observed{Nodes: []Container{{
		Name: s.Name + "-control-plane", Role: "control-plane", Image: s.NodeImage, Running: running,
		Ports: map[int]int{IngressNodePortHTTP: s.HTTPPort, IngressNodePortHTTPS: s.HTTPSPort, 6443: 41234},
	}}}
	for i := range s.Workers {
		name := s.Name + "-worker"
		if i > 0 {
			name += string(rune('1' + i))
		}
		o.Nodes = append(o.Nodes, Container{Name: name, Role: "worker", Image: s.NodeImage, Running: running})
	}
	return o
}

func TestDecide(t *testing.T) {
	base := Spec{Name: "devstack", NodeImage: releaseImages["v1.37.0"], KubernetesVersion: "v1.37.0", HTTPPort: 80, HTTPSPort: 443}
	with := func(f func(*Spec)) Spec { s := base; f(&s); return s }
	older := with(func(s *Spec) { s.NodeImage, s.KubernetesVersion = releaseImages["v1.36.4"], "v1.36.4" })
	twoWorkers := with(func(s *Spec) { s.Workers = 2 })
	mirrored := with(func(s *Spec) { s.RegistryMirrors = map[string][]string{"docker.io": {"http://m:5000"}} })
	ready := func(s Spec) *Record { return &Record{Spec: s, Phase: PhaseReady} }
	partial := observed(twoWorkers, true)
	partial.Nodes[1].Running = false

	cases := []struct {
		Name     string
		Want     Spec
		Record   *Record
		Observed Observed
		Recreate bool
		Action   Action
		Changes  []Change
	}{
		{Name: "absent", Want: base, Action: ActionCreate},
		{Name: "absent with a stale record", Want: base, Record: ready(base), Action: ActionCreate},
		{Name: "absent after an interrupted creation", Want: base, Record: &Record{Spec: base, Phase: PhaseCreating}, Action: ActionCreate},
		{Name: "unchanged", Want: base, Record: ready(base), Observed: observed(base, true), Action: ActionReuse},
		{Name: "unchanged without record (made outside devstack)", Want: base, Observed: observed(base, true), Action: ActionReuse},
		{Name: "stopped by down", Want: base, Record: ready(base), Observed: observed(base, false), Action: ActionStart},
		{Name: "one node stopped", Want: twoWorkers, Record: ready(twoWorkers), Observed: partial, Action: ActionStart},
		{Name: "interrupted creation left nodes", Want: base, Record: &Record{Spec: base, Phase: PhaseCreating}, Observed: observed(base, true), Action: ActionCleanup},
		{Name: "kubernetes version changed", Want: base, Record: ready(older), Observed: observed(older, true), Action: ActionRefuse,
			Changes: []Change{{Field: "Kubernetes version", From: "v1.36.4", To: "v1.37.0"}}},
		{Name: "custom image changed", Want: with(func(s *Spec) { s.NodeImage, s.KubernetesVersion = "my/node@sha256:1", "" }), Record: ready(base), Observed: observed(base, true), Action: ActionRefuse,
			Changes: []Change{{Field: "node image", From: base.NodeImage, To: "my/node@sha256:1"}}},
		{Name: "workers added", Want: twoWorkers, Record: ready(base), Observed: observed(base, true), Action: ActionRefuse,
			Changes: []Change{{Field: "workers", From: "0", To: "2"}}},
		{Name: "workers removed", Want: base, Record: ready(twoWorkers), Observed: observed(twoWorkers, true), Action: ActionRefuse,
			Changes: []Change{{Field: "workers", From: "2", To: "0"}}},
		{Name: "ports changed", Want: with(func(s *Spec) { s.HTTPPort, s.HTTPSPort = 8080, 8443 }), Record: ready(base), Observed: observed(base, true), Action: ActionRefuse,
			Changes: []Change{{Field: "HTTP port", From: "80", To: "8080"}, {Field: "HTTPS port", From: "443", To: "8443"}}},
		{Name: "ports not published (kind create cluster without config)", Want: base, Observed: observed(with(func(s *Spec) { s.HTTPPort, s.HTTPSPort = 0, 0 }), true), Action: ActionRefuse,
			Changes: []Change{{Field: "HTTP port", From: "not published", To: "80"}, {Field: "HTTPS port", From: "not published", To: "443"}}},
		{Name: "stopped and changed: refuse before starting", Want: twoWorkers, Record: ready(base), Observed: observed(base, false), Action: ActionRefuse,
			Changes: []Change{{Field: "workers", From: "0", To: "2"}}},
		{Name: "changed with --recreate", Want: twoWorkers, Record: ready(base), Observed: observed(base, true), Recreate: true, Action: ActionRecreate,
			Changes: []Change{{Field: "workers", From: "0", To: "2"}}},
		{Name: "unchanged with --recreate", Want: base, Record: ready(base), Observed: observed(base, true), Recreate: true, Action: ActionRecreate},
		{Name: "mirrors added: in place", Want: mirrored, Record: ready(base), Observed: observed(base, true), Action: ActionReuse,
			Changes: []Change{{Field: "registry mirrors", From: "none", To: "docker.io=http://m:5000", InPlace: true}}},
		{Name: "mirrors removed: in place", Want: base, Record: ready(mirrored), Observed: observed(base, true), Action: ActionReuse,
			Changes: []Change{{Field: "registry mirrors", From: "docker.io=http://m:5000", To: "none", InPlace: true}}},
		{Name: "mirrors on an adopted cluster", Want: mirrored, Observed: observed(base, false), Action: ActionStart,
			Changes: []Change{{Field: "registry mirrors", From: "unknown", To: "docker.io=http://m:5000", InPlace: true}}},
		{Name: "mirrors and workers: the workers decide", Want: with(func(s *Spec) { s.Workers = 1; s.RegistryMirrors = mirrored.RegistryMirrors }), Record: ready(base), Observed: observed(base, true), Action: ActionRefuse,
			Changes: []Change{{Field: "workers", From: "0", To: "1"}, {Field: "registry mirrors", From: "none", To: "docker.io=http://m:5000", InPlace: true}}},
		{Name: "no control plane", Want: base, Record: ready(base), Observed: Observed{Nodes: []Container{{Name: "devstack-worker", Role: "worker", Image: base.NodeImage}}}, Action: ActionRefuse,
			Changes: []Change{{Field: "control-plane nodes", From: "0", To: "1"}, {Field: "workers", From: "1", To: "0"}}},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			d := Decide(tc.Want, tc.Record, tc.Observed, tc.Recreate)
			if d.Action != tc.Action {
				t.Errorf("action = %s, want %s (changes %v)", d.Action, tc.Action, d.Changes)
			}
			if !reflect.DeepEqual(d.Changes, tc.Changes) {
				t.Errorf("changes = %#v\nwant      %#v", d.Changes, tc.Changes)
			}
		})
	}
}

func TestSpecChangedError(t *testing.T) {
	err := &SpecChangedError{Name: "devstack", Changes: []Change{
		{Field: "workers", From: "0", To: "2"},
		{Field: "registry mirrors", From: "none", To: "docker.io=http://m", InPlace: true},
	}}
	want := "cluster \"devstack\" differs from the wanted one in ways that need a new cluster:\n" +
		"  - workers: 0 -> 2\n" +
		"run `devstack up --recreate` to replace it, or `devstack reset` to start over; both delete the cluster and its data"
	if err.Error() != want {
		t.Errorf("message =\n%s\nwant\n%s", err.Error(), want)
	}
}
