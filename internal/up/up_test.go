package up

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

func testPlan() *stack.Plan {
	c := func(name string, tier stack.Tier, deps ...string) stack.Planned {
		return stack.Planned{Component: stack.Component{Name: name, Tier: tier, DependsOn: deps, EstimatedSeconds: 1}}
	}
	return &stack.Plan{Profile: "test", Domain: "local", Components: []stack.Planned{
		c("operator", stack.TierFoundation), c("ingress", stack.TierFoundation),
		c("db", stack.TierApps, "operator"), c("app", stack.TierApps, "db", "ingress"),
	}}
}

// fakes records the order of calls made by the flow.
type fakes struct {
	mu        sync.Mutex
	calls     []string
	preErr    error
	cluErr    error
	dnsErr    error
	failApply string
	// absent names a component that has no release to uninstall.
	absent        string
	failUninstall string
}

func (f *fakes) note(s string) { f.mu.Lock(); f.calls = append(f.calls, s); f.mu.Unlock() }

func (f *fakes) Check(context.Context, *stack.Plan) error { f.note("preflight"); return f.preErr }
func (f *fakes) Ensure(context.Context) (Target, error) {
	f.note("cluster")
	return Target{Context: "kind-devstack"}, f.cluErr
}

type fakeResolver struct{ f *fakes }

// namedError is an installer's error that names its component.
type namedError struct {
	component string
	err       error
}

func (e namedError) Error() string  { return e.component + ": " + e.err.Error() }
func (e namedError) Unnamed() error { return e.err }

func (r fakeResolver) Ensure(_ context.Context, _ *stack.Plan, t Target) error {
	r.f.note("dns:" + t.Context)
	return r.f.dnsErr
}

func (f *fakes) Apply(_ context.Context, c stack.Planned) (dag.Outcome, error) {
	f.note("apply:" + c.Name)
	if c.Name == f.failApply {
		// The way the Helm installer words it: the component's name first.
		return dag.Outcome{}, namedError{c.Name, fmt.Errorf("not ready: %w", errors.New("deployment/"+c.Name+" 0/1 ready: CrashLoopBackOff"))}
	}
	return dag.Outcome{Message: "installed"}, nil
}

func (f *fakes) Uninstall(_ context.Context, c stack.Planned) (bool, error) {
	f.note("uninstall:" + c.Name)
	if c.Name == f.failUninstall {
		return true, namedError{c.Name, errors.New("still there after 5m0s: clusterrole/x: held by finalizer y")}
	}
	return c.Name != f.absent, nil
}

func (f *fakes) runner(rec event.Sink) *Runner {
	return &Runner{
		Plan: testPlan(), Sink: rec, Parallel: 1,
		Preflight: f, Cluster: f, Resolver: fakeResolver{f},
		NewInstaller: func(_ context.Context, t Target) (Installer, error) { f.note("connect:" + t.Context); return f, nil },
	}
}

func TestRunFlowInOrder(t *testing.T) {
	f := &fakes{}
	rec := &event.Recorder{}
	rep, err := f.runner(rec).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.calls, " ")
	want := "preflight cluster dns:kind-devstack connect:kind-devstack apply:operator apply:ingress apply:db apply:app"
	if got != want {
		t.Fatalf("calls\n%s\nwant\n%s", got, want)
	}
	if rep.Get("app").State != event.Succeeded {
		t.Fatalf("app %s", rep.Get("app").State)
	}
	var phases []string
	for _, e := range rec.Events() {
		if e.Source == event.SourceRun && e.State == event.Succeeded {
			phases = append(phases, e.Name)
		}
	}
	if strings.Join(phases, ",") != "preflight,cluster,dns,connect,install" {
		t.Fatalf("phase events %v", phases)
	}
}

func TestRunStopsOnPreflightAndCluster(t *testing.T) {
	f := &fakes{preErr: errors.New("no container engine: is Docker running?")}
	_, err := f.runner(nil).Run(context.Background())
	var pe *PhaseError
	if !errors.As(err, &pe) || pe.Phase != "preflight" || strings.Join(f.calls, " ") != "preflight" {
		t.Fatalf("err %v calls %v", err, f.calls)
	}
	f = &fakes{cluErr: errors.New("port 80 in use")}
	_, err = f.runner(nil).Run(context.Background())
	if !errors.As(err, &pe) || pe.Phase != "cluster" || strings.Join(f.calls, " ") != "preflight cluster" {
		t.Fatalf("err %v calls %v", err, f.calls)
	}
}

func TestRunDNSFailureStillInstalls(t *testing.T) {
	f := &fakes{dnsErr: errors.New("port 15353 in use")}
	rep, err := f.runner(nil).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "dns: port 15353 in use") {
		t.Fatalf("err %v", err)
	}
	if rep == nil || rep.Err() != nil {
		t.Fatalf("installs did not all run: %v", rep)
	}
}

func TestRunInstallFailure(t *testing.T) {
	f := &fakes{failApply: "db"}
	rep, err := f.runner(nil).Run(context.Background())
	// The component is named once, the phase not at all: the message is
	// what the user reads after "Error:".
	if err == nil || err.Error() != "db failed: not ready: deployment/db 0/1 ready: CrashLoopBackOff; blocked: app" {
		t.Fatalf("err %q", err)
	}
	if rep.Get("app").State != event.Blocked || rep.Get("ingress").State != event.Succeeded {
		t.Fatalf("app %s ingress %s", rep.Get("app").State, rep.Get("ingress").State)
	}
}

func TestRemoveFailureNamesTheComponentOnce(t *testing.T) {
	f := &fakes{failUninstall: "db"}
	_, err := Remove(context.Background(), testPlan(), stack.TierApps, f, nil, 1)
	if err == nil || err.Error() != "db failed: still there after 5m0s: clusterrole/x: held by finalizer y" {
		t.Fatalf("err %q", err)
	}
}

func TestRemoveReverseOrderByTier(t *testing.T) {
	f := &fakes{}
	if _, err := Remove(context.Background(), testPlan(), stack.TierApps, f, nil, 1); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.calls, " "); got != "uninstall:app uninstall:db" {
		t.Fatalf("apps tier: %s", got)
	}
	f = &fakes{absent: "ingress"}
	rep, err := Remove(context.Background(), testPlan(), "", f, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	// A release that did not exist is not reported as uninstalled.
	if r := rep.Get("ingress"); r.State != event.Skipped || r.Message != "not installed" {
		t.Errorf("absent ingress: %s %q, want skipped, not installed", r.State, r.Message)
	}
	if r := rep.Get("db"); r.State != event.Succeeded || r.Message != "uninstalled" {
		t.Errorf("db: %s %q, want succeeded, uninstalled", r.State, r.Message)
	}
	pos := map[string]int{}
	for i, c := range f.calls {
		pos[c] = i
	}
	if len(f.calls) != 4 || pos["uninstall:app"] > pos["uninstall:db"] || pos["uninstall:db"] > pos["uninstall:operator"] || pos["uninstall:app"] > pos["uninstall:ingress"] {
		t.Fatalf("all tiers: %v", f.calls)
	}
}

type fakeTLS struct {
	f   *fakes
	err error
}

func (s fakeTLS) Ensure(_ context.Context, _ *stack.Plan, t Target) error {
	s.f.note("tls:" + t.Context)
	return s.err
}

// TestTLSBeforeTheInstalls: the certificate is in the cluster before the
// ingress starts, and a TLS failure leaves the installs (HTTP) going.
func TestTLSBeforeTheInstalls(t *testing.T) {
	for _, tlsErr := range []error{nil, errors.New("no CA")} {
		f := &fakes{}
		r := f.runner(&event.Recorder{})
		r.TLS = fakeTLS{f, tlsErr}
		rep, err := r.Run(context.Background())
		want := "preflight cluster dns:kind-devstack tls:kind-devstack connect:kind-devstack apply:operator apply:ingress apply:db apply:app"
		if got := strings.Join(f.calls, " "); got != want {
			t.Errorf("tls error %v: calls %q, want %q", tlsErr, got, want)
		}
		if rep == nil || len(rep.Results) != 4 {
			t.Errorf("tls error %v: installs did not all run: %+v", tlsErr, rep)
		}
		if (err != nil) != (tlsErr != nil) || (err != nil && !strings.Contains(err.Error(), "tls: no CA")) {
			t.Errorf("tls error %v: run error %v", tlsErr, err)
		}
	}
}

type answersFunc func(context.Context, *stack.Plan) error

func (f answersFunc) Wait(ctx context.Context, p *stack.Plan) error { return f(ctx, p) }

// The installs done, up waits for the hosts to answer, and a host that does
// not makes the run fail: "ready" means it answers.
func TestRunWaitsForTheHostsToAnswer(t *testing.T) {
	var asked bool
	r := answersRunner(answersFunc(func(context.Context, *stack.Plan) error { asked = true; return nil }))
	if _, err := r.Run(context.Background()); err != nil || !asked {
		t.Fatalf("run = %v, answers asked %v", err, asked)
	}
	r = answersRunner(answersFunc(func(context.Context, *stack.Plan) error { return errors.New("http://a.test: HTTP 503") }))
	if _, err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "answers: http://a.test: HTTP 503") {
		t.Fatalf("run = %v, want the answers phase's failure", err)
	}
}

func answersRunner(a Answers) *Runner {
	r := (&fakes{}).runner(event.Discard)
	r.Answers = a
	return r
}
