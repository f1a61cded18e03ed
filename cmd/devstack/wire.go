package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/coredns"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/up"
	"github.com/devstack-dev/devstack/profiles"
)

// This file adapts the packages to the small interfaces of internal/up.

// preflightFunc adapts a function to up.Preflight.
type preflightFunc func(ctx context.Context, p *stack.Plan) error

func (f preflightFunc) Check(ctx context.Context, p *stack.Plan) error { return f(ctx, p) }

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

func newInstaller(sink event.Sink) func(context.Context, up.Target) (up.Installer, error) {
	return func(_ context.Context, t up.Target) (up.Installer, error) {
		in, err := helm.New(helm.Options{Kubeconfig: t.Kubeconfig, Context: t.Context, ChartFS: profiles.FS, Sink: sink, ReadySince: t.ReadySince})
		if err != nil {
			return nil, err
		}
		return helmInstaller{in}, nil
	}
}

// errNeedsSudo stops the OS routing inside `up`: a password prompt cannot
// share the terminal with the live view, so `up` says what to run instead.
var errNeedsSudo = errors.New("needs sudo")

// errSkipped marks a DNS step that could not apply here and is reported as
// a warning, not a failure: the stack works without it.
var errSkipped = errors.New("skipped")

// hostResolver starts the background resolver, routes the domain from the
// OS to it, and makes the cluster's pods resolve the same names.
type hostResolver struct {
	sink     event.Sink
	stateDir string
	cfg      dns.Config
}

func (r hostResolver) step(name string, fn func() (string, error)) error {
	r.sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Running})
	msg, err := fn()
	switch {
	case errors.Is(err, errNeedsSudo), errors.Is(err, errSkipped):
		// A warning beside the step, then the step is done: the stack
		// works without it.
		r.sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Warning, Message: msg})
		r.sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Succeeded, Message: msg})
		return nil
	case err != nil:
		r.sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Failed, Message: err.Error()})
		return fmt.Errorf("%s: %w", name, err)
	}
	r.sink.Emit(event.Event{Source: event.SourceDNS, Name: name, State: event.Succeeded, Message: msg})
	return nil
}

func (r hostResolver) Ensure(ctx context.Context, p *stack.Plan, t up.Target) error {
	var st dns.Status
	err := r.step("resolver", func() (msg string, err error) {
		st, err = dns.EnsureRunning(ctx, r.stateDir, r.cfg)
		return fmt.Sprintf("answering *.%s on %s", strings.Join(st.Config.Domains, ", *."), st.Addr), err
	})
	if err != nil {
		return err
	}
	routeErr := r.step("OS routing", func() (string, error) { return r.route(ctx, p, st) })
	clusterErr := r.step("cluster DNS", func() (string, error) {
		cs, err := clientsetFor(t)
		if err != nil {
			return "", err
		}
		target := coredns.Target{Namespace: p.Ingress.Namespace, Name: p.Ingress.Service}
		_, err = coredns.Configure(ctx, cs, st.Config.Domains, target)
		if apierrors.IsNotFound(err) {
			return "the cluster has no kube-system/coredns ConfigMap: pods will not resolve *." + p.Domain, errSkipped
		}
		if err != nil {
			return "", err
		}
		return "pods resolve *." + p.Domain + " to " + strings.TrimSuffix(target.FQDN(), "."), nil
	})
	return errors.Join(routeErr, clusterErr)
}

// route installs the OS routing when it needs no elevation (or devstack
// runs as root); otherwise it names the files and the command to run.
func (r hostResolver) route(ctx context.Context, p *stack.Plan, st dns.Status) (string, error) {
	var pending []string
	opts := osdns.Options{
		Runner: osdns.ExecRunner{},
		Lookup: osdns.SystemLookup{},
		Confirm: func(cs *osdns.Changeset) error {
			if os.Geteuid() == 0 {
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
	rep, err := osdns.Install(ctx, osConfig(st.Config.Domains, st.Addr, planHosts(p)), opts)
	if errors.Is(err, errNeedsSudo) {
		return fmt.Sprintf("run `devstack dns install` once to route *.%s from this machine (it uses sudo for %s)",
			p.Domain, strings.Join(pending, ", ")), errNeedsSudo
	}
	if err != nil {
		return "", err
	}
	if err := osdns.Failed(rep.Checks); err != nil {
		return "", err
	}
	return "the system resolver answers *." + p.Domain, nil
}

func planHosts(p *stack.Plan) []string {
	var hosts []string
	for _, c := range p.Components {
		hosts = append(hosts, c.Hosts...)
	}
	return hosts
}

func clientsetFor(t up.Target) (*kubernetes.Clientset, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if t.Kubeconfig != "" {
		rules.ExplicitPath = t.Kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: t.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	return kubernetes.NewForConfig(cfg)
}
