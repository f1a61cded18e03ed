package hostdns

import (
	"context"
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/coredns"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/sysfile"
	"github.com/devstack-dev/devstack/internal/up"
)

// Step names, as the events and the summary show them.
const (
	StepResolver   = "resolver"
	StepOSRouting  = "OS routing"
	StepClusterDNS = "cluster DNS"
)

// Phase implements up.Resolver.
type Phase struct {
	Sink     event.Sink
	StateDir string
	// Config is the resolver's (address, domains).
	Config dns.Config
	// OSRoot is the root of the OS files ("" is /). Access says what this
	// process may write (zero: this process): root edits them directly,
	// anyone else who needs sudo is told the one command to run.
	OSRoot string
	Access sysfile.Access

	// The machinery; zero values are the real ones.
	StartResolver func(ctx context.Context, stateDir string, cfg dns.Config) (dns.Status, error)
	Runner        osdns.Runner
	Lookup        osdns.Lookuper
	Clientset     func(up.Target) (kubernetes.Interface, error)
}

var _ up.Resolver = (*Phase)(nil)

// errNeedsSudo stops the OS routing inside `up`: a password prompt cannot
// share the terminal with the live view, so `up` says what to run instead.
var errNeedsSudo = errors.New("needs sudo")

// errSkipped marks a step that could not apply here: a warning.
var errSkipped = errors.New("skipped")

// Ensure runs the three steps. The resolver must start; the other two go
// on past each other's failure and their errors are joined.
func (p *Phase) Ensure(ctx context.Context, plan *stack.Plan, t up.Target) error {
	var st dns.Status
	err := p.step(StepResolver, func() (msg string, err error) {
		st, err = p.startResolver()(ctx, p.StateDir, p.Config)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("answering *.%s on %s", strings.Join(st.Config.Domains, ", *."), st.Addr), nil
	})
	if err != nil {
		return err
	}
	routeErr := p.step(StepOSRouting, func() (string, error) { return p.route(ctx, plan, st) })
	clusterErr := p.step(StepClusterDNS, func() (string, error) { return p.clusterDNS(ctx, plan, st, t) })
	return errors.Join(routeErr, clusterErr)
}

func (p *Phase) step(name string, fn func() (string, error)) error {
	sink := p.Sink
	if sink == nil {
		sink = event.Discard
	}
	sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Running})
	msg, err := fn()
	switch {
	case errors.Is(err, errNeedsSudo), errors.Is(err, errSkipped):
		sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Warning, Message: msg})
		sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Succeeded, Message: msg})
		return nil
	case err != nil:
		sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Failed, Message: err.Error()})
		return fmt.Errorf("%s: %w", name, err)
	}
	sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Succeeded, Message: msg})
	return nil
}

// route installs the OS routing when it needs no elevation (or devstack
// runs as root); otherwise it names the files and the command to run.
func (p *Phase) route(ctx context.Context, plan *stack.Plan, st dns.Status) (string, error) {
	var pending []string
	opts := osdns.Options{
		Runner: p.Runner,
		Lookup: p.Lookup,
		Access: p.Access,
		Confirm: func(cs *osdns.Changeset) error {
			if !p.Access.NeedsSudo() {
				return nil
			}
			for _, c := range cs.NeedsRoot() {
				what := c.Path
				if c.Action == osdns.Run { // a restart alone, when the live state lags its files
					what = strings.Join(c.Command, " ")
				}
				pending = append(pending, what)
			}
			if len(pending) > 0 {
				return errNeedsSudo
			}
			return nil
		},
	}
	if opts.Runner == nil {
		opts.Runner = osdns.ExecRunner{}
	}
	if opts.Lookup == nil {
		opts.Lookup = osdns.SystemLookup{}
	}
	cfg := osdns.Config{Root: p.OSRoot, Domains: st.Config.Domains, Addr: st.Addr, Hosts: plan.Hosts()}
	rep, err := osdns.Install(ctx, cfg, opts)
	if errors.Is(err, errNeedsSudo) {
		return fmt.Sprintf("run `devstack dns install` once to route *.%s from this machine (it uses sudo for %s)",
			plan.Domain, strings.Join(pending, ", ")), errNeedsSudo
	}
	if err != nil {
		return "", err
	}
	if err := osdns.Failed(rep.Checks); err != nil {
		return "", err
	}
	return "the system resolver answers *." + plan.Domain, nil
}

// clusterDNS adds the CoreDNS rewrite that sends *.<domain> to the
// ingress Service.
func (p *Phase) clusterDNS(ctx context.Context, plan *stack.Plan, st dns.Status, t up.Target) (string, error) {
	connect := p.Clientset
	if connect == nil {
		connect = up.Target.Clientset
	}
	cs, err := connect(t)
	if err != nil {
		return "", err
	}
	target := coredns.Target{Namespace: plan.Ingress.Namespace, Name: plan.Ingress.Service}
	_, err = coredns.Configure(ctx, cs, st.Config.Domains, target)
	if apierrors.IsNotFound(err) {
		return "the cluster has no kube-system/coredns ConfigMap: pods will not resolve *." + plan.Domain, errSkipped
	}
	if err != nil {
		return "", err
	}
	return "pods resolve *." + plan.Domain + " to " + strings.TrimSuffix(target.FQDN(), "."), nil
}

func (p *Phase) startResolver() func(context.Context, string, dns.Config) (dns.Status, error) {
	if p.StartResolver != nil {
		return p.StartResolver
	}
	return dns.EnsureRunning
}
