package kind

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

func testSpec(f func(*Spec)) Spec {
	s := Spec{Name: "devstack", NodeImage: DefaultNodeImage, KubernetesVersion: "v1.37.0", HTTPPort: 80, HTTPSPort: 443}
	if f != nil {
		f(&s)
	}
	return s
}

// last returns the last event about the cluster unit itself.
func last(rec *event.Recorder, name string) event.Event {
	var e event.Event
	for _, ev := range rec.Events() {
		if ev.Name == name {
			e = ev
		}
	}
	return e
}

func TestEnsureLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFakeKind()
	m, rec := newTestManager(t, f)
	want := testSpec(func(s *Spec) { s.Workers = 1 })
	f.createSpec = want

	// The user's kubeconfig exists with a loose mode: devstack tightens it.
	if err := os.MkdirAll(strings.TrimSuffix(m.kubeconfig, "/config"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(m.kubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	res, err := m.Ensure(ctx, want, false)
	if err != nil {
		t.Fatal(err)
	}
	if res.Action != ActionCreate || res.Context != "kind-devstack" {
		t.Errorf("first ensure = %+v, want create of kind-devstack", res)
	}
	for _, p := range []string{m.kubeconfig, res.Kubeconfig} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v (%v), want 0600", p, fi.Mode().Perm(), err)
		}
	}
	if r, _ := m.store.load("devstack"); r == nil || r.Phase != PhaseReady || r.Spec.Workers != 1 {
		t.Errorf("record = %+v, want the applied spec, ready", r)
	}
	// kind's steps arrived as events through the adapted logger.
	var sawStep bool
	for _, e := range rec.Events() {
		if e.Name == "Preparing nodes" && e.State == event.Succeeded {
			sawStep = true
		}
	}
	if !sawStep {
		t.Error("kind's \"Preparing nodes\" step did not become an event")
	}
	if e := last(rec, "devstack"); e.State != event.Succeeded || !strings.Contains(e.Message, "created") {
		t.Errorf("last cluster event = %+v, want succeeded/created", e)
	}

	if names, err := m.Recorded(); err != nil || len(names) != 1 || names[0] != "devstack" {
		t.Errorf("Recorded() = %v, %v", names, err)
	}

	// Unchanged: reused, nothing created.
	res, err = m.Ensure(ctx, want, false)
	if err != nil || res.Action != ActionReuse {
		t.Fatalf("second ensure = %+v, %v; want reuse", res, err)
	}
	if e := last(rec, "devstack"); e.State != event.Skipped {
		t.Errorf("reuse event = %+v, want skipped", e)
	}

	// down, then up again: the stopped nodes are started, not recreated.
	if err := m.Stop(ctx, "devstack"); err != nil {
		t.Fatal(err)
	}
	st, err := m.Status(ctx, "devstack")
	if err != nil || st.State != StateStopped || st.KubernetesVersion != "v1.37.0" || len(st.Nodes) != 2 {
		t.Fatalf("status after stop = %+v, %v; want stopped with 2 nodes", st, err)
	}
	beforeStart := time.Now()
	res, err = m.Ensure(ctx, want, false)
	if err != nil || res.Action != ActionStart {
		t.Fatalf("ensure after stop = %+v, %v; want start", res, err)
	}
	// Pod statuses older than the start are stale: the installer is told
	// when each node started.
	if res.StartedAt.Before(beforeStart) || len(res.NodesStartedAt) != 2 {
		t.Errorf("ensure after stop: started at %v, nodes %v; want a start after %v for both nodes", res.StartedAt, res.NodesStartedAt, beforeStart)
	}
	for n, at := range res.NodesStartedAt {
		if !at.Equal(res.StartedAt) {
			t.Errorf("node %s started at %v, want %v", n, at, res.StartedAt)
		}
	}
	st, _ = m.Status(ctx, "devstack")
	if st.State != StateRunning {
		t.Errorf("status after start = %s, want running", st.State)
	}
	if got := st.NodesStartedAt(); len(got) != 2 || got["devstack-worker"].Before(res.StartedAt) {
		t.Errorf("status nodes started at %v, want both nodes, started after %v", got, res.StartedAt)
	}
	// Reused while running: no start, the containers' own start times.
	res, err = m.Ensure(ctx, want, false)
	if err != nil || res.Action != ActionReuse || !res.StartedAt.IsZero() || len(res.NodesStartedAt) != 2 {
		t.Errorf("ensure of a running cluster = %+v, %v; want reuse, no start, both nodes' start times", res, err)
	}

	// A change kind cannot apply: refused, the cluster is left alone.
	before := len(f.Calls())
	_, err = m.Ensure(ctx, testSpec(func(s *Spec) { s.Workers = 3 }), false)
	var changed *SpecChangedError
	if !errors.As(err, &changed) || len(changed.Changes) != 1 || changed.Changes[0].Field != "workers" {
		t.Fatalf("ensure with more workers: %v, want a SpecChangedError about workers", err)
	}
	for _, c := range f.Calls()[before:] {
		if strings.HasPrefix(c, "delete") || strings.HasPrefix(c, "create") {
			t.Errorf("refused ensure ran %q", c)
		}
	}
	if e := last(rec, "devstack"); e.State != event.Failed || !strings.Contains(e.Message, "workers: 1 -> 3") {
		t.Errorf("refusal event = %+v", e)
	}

	// With --recreate it is deleted and created again.
	three := testSpec(func(s *Spec) { s.Workers = 3 })
	f.createSpec = three
	res, err = m.Ensure(ctx, three, true)
	if err != nil || res.Action != ActionRecreate {
		t.Fatalf("recreate = %+v, %v", res, err)
	}
	calls := f.Calls()
	if i, j := slices.Index(calls, "delete devstack"), slices.Index(calls, "create devstack"); i < 0 || j < 0 {
		t.Errorf("recreate calls = %v, want a delete and a create", calls)
	}

	// Delete lists what it removed; then the cluster is absent.
	removed, err := m.Delete(ctx, "devstack")
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || !strings.Contains(removed[0], "4 node container(s) on Docker") || !strings.Contains(removed[1], `"kind-devstack"`) {
		t.Errorf("removed = %q", removed)
	}
	if st, _ := m.Status(ctx, "devstack"); st.State != StateAbsent {
		t.Errorf("status after delete = %s, want absent", st.State)
	}
	if r, _ := m.store.load("devstack"); r != nil {
		t.Errorf("record survived delete: %+v", r)
	}
	if names, _ := m.Recorded(); len(names) != 0 {
		t.Errorf("Recorded() after delete = %v", names)
	}
	if err := m.Stop(ctx, "devstack"); !errors.Is(err, ErrNoCluster) {
		t.Errorf("stop of an absent cluster: %v, want ErrNoCluster", err)
	}
}

// TestEnsureInterrupted cancels Ensure while kind's Create (which takes no
// context) is still working; Ensure returns at once, and the next Ensure
// removes the unfinished cluster before creating it again.
func TestEnsureInterrupted(t *testing.T) {
	f := newFakeKind()
	m, rec := newTestManager(t, f)
	want := testSpec(nil)
	f.createSpec = want
	f.gate = make(chan struct{})

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := m.Ensure(ctx, want, false); done <- err }()
	for !slices.Contains(f.Calls(), "create devstack") {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done // Create is still held by the gate here
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted ensure: %v, want context.Canceled", err)
	}
	if e := last(rec, "devstack"); e.State != event.Cancelled || !strings.Contains(e.Message, "next `devstack up` removes") {
		t.Errorf("cancel event = %+v", e)
	}
	n := len(rec.Events())
	close(f.gate) // kind finishes behind our back, leaving containers
	for {
		if ns, _ := f.ListNodes("devstack"); len(ns) > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if got := len(rec.Events()); got != n {
		t.Errorf("%d events arrived after Ensure returned", got-n)
	}
	if r, _ := m.store.load("devstack"); r == nil || r.Phase != PhaseCreating {
		t.Fatalf("record = %+v, want phase creating", r)
	}

	f.gate = nil
	res, err := m.Ensure(context.Background(), want, false)
	if err != nil || res.Action != ActionCleanup {
		t.Fatalf("next ensure = %+v, %v; want cleanup", res, err)
	}
	var told bool
	for _, e := range rec.Events()[n:] {
		told = told || strings.Contains(e.Message, "left unfinished")
	}
	if !told {
		t.Error("no event says the unfinished cluster was removed")
	}
	if r, _ := m.store.load("devstack"); r == nil || r.Phase != PhaseReady {
		t.Errorf("record = %+v, want ready", r)
	}
}

func TestEnsureCreateFails(t *testing.T) {
	f := newFakeKind()
	m, rec := newTestManager(t, f)
	f.createErr = errors.New("port 80 is already allocated")
	_, err := m.Ensure(context.Background(), testSpec(nil), false)
	if err == nil || !strings.Contains(err.Error(), "port 80 is already allocated") {
		t.Fatalf("error = %v", err)
	}
	if e := last(rec, "devstack"); e.State != event.Failed {
		t.Errorf("last event = %+v, want failed", e)
	}
}

func TestEnsureMirrorsInPlace(t *testing.T) {
	ctx := context.Background()
	f := newFakeKind()
	m, _ := newTestManager(t, f)
	first := testSpec(func(s *Spec) {
		s.Workers = 1
		s.RegistryMirrors = map[string][]string{"docker.io": {"http://m:5000"}, "quay.io": {"http://q:5000"}}
	})
	f.createSpec = first
	if _, err := m.Ensure(ctx, first, false); err != nil {
		t.Fatal(err)
	}
	for _, node := range []string{"devstack-control-plane", "devstack-worker"} {
		if s, ok := f.file(node, "/etc/containerd/certs.d/docker.io/hosts.toml"); !ok || !strings.Contains(s, `[host."http://m:5000"]`) {
			t.Errorf("%s: docker.io hosts.toml = %q", node, s)
		}
	}
	second := first
	second.RegistryMirrors = map[string][]string{"docker.io": {"http://other:5000"}}
	res, err := m.Ensure(ctx, second, false)
	if err != nil || res.Action != ActionReuse || len(res.Changes) != 1 || !res.Changes[0].InPlace {
		t.Fatalf("ensure = %+v, %v; want reuse with one in-place change", res, err)
	}
	if s, _ := f.file("devstack-worker", "/etc/containerd/certs.d/docker.io/hosts.toml"); !strings.Contains(s, "http://other:5000") {
		t.Errorf("docker.io mirror not rewritten: %q", s)
	}
	if _, ok := f.file("devstack-worker", "/etc/containerd/certs.d/quay.io/hosts.toml"); ok {
		t.Error("the quay.io mirror that is no longer wanted is still there")
	}
	if slices.Contains(f.Calls(), "delete devstack") {
		t.Error("a mirror change deleted the cluster")
	}
}

func TestStatusEngineUnreachable(t *testing.T) {
	f := newFakeKind()
	f.listErr = errors.New("Cannot connect to the Docker daemon at unix:///var/run/docker.sock")
	m, _ := newTestManager(t, f)
	st, err := m.Status(context.Background(), "devstack")
	if err != nil || st.State != StateUnknown || !strings.Contains(st.Message, "Docker is not reachable") {
		t.Errorf("status = %+v, %v; want unknown, naming Docker", st, err)
	}
	_, err = m.Ensure(context.Background(), testSpec(nil), false)
	var u *UnreachableError
	if !errors.As(err, &u) {
		t.Errorf("ensure: %v, want *UnreachableError", err)
	}
}
