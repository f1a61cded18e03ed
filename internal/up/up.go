package up

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Target is the cluster the components are installed into.
type Target struct {
	Kubeconfig string
	Context    string
	// ReadySince maps node names to when they last started; pod statuses
	// written before are stale (helm.Options.ReadySince).
	ReadySince map[string]time.Time
}

// Preflight checks the machine before anything is created; it returns an
// error when a check fails.
type Preflight interface {
	Check(ctx context.Context, plan *stack.Plan) error
}

// Cluster creates, reuses or starts the cluster and says how to reach it.
type Cluster interface {
	Ensure(ctx context.Context) (Target, error)
}

// Resolver makes the plan's hosts resolve: the host's resolver and OS
// routing, and the cluster's DNS.
type Resolver interface {
	Ensure(ctx context.Context, plan *stack.Plan, target Target) error
}

// Answers checks, after the installs, that the plan's hosts answer through
// the ingress: pods can be Ready while the Service endpoints and the node's
// port rules still lag (after a cluster restart), and "ready" in the
// summary means a browser gets a page.
type Answers interface {
	Wait(ctx context.Context, plan *stack.Plan) error
}

// TLS makes the plan's hosts answer HTTPS: the local CA, the host's trust
// in it, and the ingress's certificate in the cluster, before the ingress
// is installed.
type TLS interface {
	Ensure(ctx context.Context, plan *stack.Plan, target Target) error
}

// Installer installs or upgrades one component and waits until it is ready.
type Installer interface {
	Apply(ctx context.Context, c stack.Planned) (dag.Outcome, error)
}

// Runner is one `devstack up`.
type Runner struct {
	Plan     *stack.Plan
	Sink     event.Sink
	Parallel int
	// Preflight, Cluster and Resolver are skipped when nil: with --context
	// there is no cluster to create, with --no-dns no resolver.
	Preflight Preflight
	Cluster   Cluster
	Resolver  Resolver
	// TLS is skipped when nil (--no-tls).
	TLS TLS
	// Answers is skipped when nil (--context: the ingress is not on this
	// machine's ports).
	Answers Answers
	// Target is used as is when Cluster is nil.
	Target Target
	// Images is skipped when nil (--context: the cluster pulls as it does).
	Images Images
	// NewInstaller connects an installer to the target once it exists.
	NewInstaller func(ctx context.Context, target Target) (Installer, error)
}

// PhaseError says which phase of `up` failed.
type PhaseError struct {
	Phase string
	Err   error
}

func (e *PhaseError) Error() string {
	// The installs' error names each component that failed: "install: "
	// in front would only say again where it happened.
	var run *dag.RunError
	if errors.As(e.Err, &run) {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s: %v", e.Phase, e.Err)
}
func (e *PhaseError) Unwrap() error { return e.Err }

// Run executes the flow. The report is nil when the flow stopped before
// the installs; the error is nil only when every component is ready and
// the resolver works.
func (r *Runner) Run(ctx context.Context) (*dag.Report, error) {
	sink := r.Sink
	if sink == nil {
		sink = event.Discard
	}
	phase := func(name string, fn func() error) error {
		start := time.Now()
		sink.Emit(event.Event{Time: start, Source: event.SourceRun, Name: name, State: event.Running})
		err := fn()
		e := event.Event{Time: time.Now(), Source: event.SourceRun, Name: name, State: event.Succeeded, Elapsed: time.Since(start)}
		switch {
		case err != nil && ctx.Err() != nil:
			e.State, e.Message = event.Cancelled, err.Error()
		case err != nil:
			e.State, e.Message = event.Failed, err.Error()
		}
		sink.Emit(e)
		if err != nil {
			return &PhaseError{Phase: name, Err: err}
		}
		return nil
	}

	if r.Preflight != nil {
		if err := phase("preflight", func() error { return r.Preflight.Check(ctx, r.Plan) }); err != nil {
			return nil, err
		}
	}
	if r.Images != nil {
		var mirrors map[string][]string
		if err := phase("images", func() (err error) { mirrors, err = r.Images.Start(ctx, r.Plan); return err }); err != nil {
			return nil, err
		}
		if mc, ok := r.Cluster.(MirroredCluster); ok && len(mirrors) > 0 {
			mc.UseMirrors(mirrors)
		}
	}
	target := r.Target
	if r.Cluster != nil {
		if err := phase("cluster", func() (err error) { target, err = r.Cluster.Ensure(ctx); return err }); err != nil {
			return nil, err
		}
	}
	if r.Images != nil {
		if err := phase("registry", func() error { return r.Images.Attach(ctx, target) }); err != nil {
			return nil, err
		}
	}
	// The resolver's failure does not stop the installs: the stack is still
	// useful through port-forwards, and the error is reported at the end.
	var dnsErr error
	if r.Resolver != nil {
		dnsErr = phase("dns", func() error { return r.Resolver.Ensure(ctx, r.Plan, target) })
		if ctx.Err() != nil {
			return nil, dnsErr
		}
	}
	// Like DNS, HTTPS failing leaves HTTP working: reported at the end.
	var tlsErr error
	if r.TLS != nil {
		tlsErr = phase("tls", func() error { return r.TLS.Ensure(ctx, r.Plan, target) })
		if ctx.Err() != nil {
			return nil, errors.Join(dnsErr, tlsErr)
		}
	}
	var inst Installer
	if err := phase("connect", func() (err error) { inst, err = r.NewInstaller(ctx, target); return err }); err != nil {
		return nil, err
	}
	g, err := r.Plan.Graph()
	if err != nil {
		return nil, err
	}
	estimates := estimates(r.Plan)
	var report *dag.Report
	installErr := phase("install", func() error {
		report = dag.Run(ctx, g, func(ctx context.Context, name string) (dag.Outcome, error) {
			c, _ := r.Plan.Component(name)
			if r.Images == nil {
				out, err := inst.Apply(ctx, c)
				return out, unprefixed(err)
			}
			done := r.Images.Watch(ctx, name)
			o, err := inst.Apply(ctx, c)
			return o, done(unprefixed(err))
		}, dag.Options{Parallel: r.Parallel, Sink: sink, Weight: func(n string) float64 { return estimates[n] }})
		return report.Err()
	})
	var answerErr error
	if r.Answers != nil && installErr == nil {
		answerErr = phase("answers", func() error { return r.Answers.Wait(ctx, r.Plan) })
	}
	// The caches finish warming (images no pod asked for yet, those of
	// operator-made pods) so that the next `up`, even --offline, has them.
	var warmErr error
	if r.Images != nil && installErr == nil {
		warmErr = phase("warm", func() error { return r.Images.Wait(ctx) })
	}
	return report, errors.Join(installErr, answerErr, dnsErr, tlsErr, warmErr)
}

func estimates(p *stack.Plan) map[string]float64 {
	out := make(map[string]float64, len(p.Components))
	for _, c := range p.Components {
		out[c.Name] = float64(c.EstimatedSeconds) + 1
	}
	return out
}

// named is an error whose message begins with its component's name, as
// the installer's errors do ("postgresql: not ready after..."). The
// scheduler's report names the component itself ("postgresql failed:
// ..."), so the message keeps the name once.
type named interface {
	error
	Unnamed() error
}

func unprefixed(err error) error {
	if n, ok := err.(named); ok {
		return n.Unnamed()
	}
	return err
}
