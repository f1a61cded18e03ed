package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/answer"
	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/hostdns"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/preflight"
	"github.com/devstack-dev/devstack/internal/tui"
	"github.com/devstack-dev/devstack/internal/up"
)

type upFlags struct {
	stack      stackFlags
	kind       kind.Overrides
	recreate   bool
	kubeconfig string
	context    string
	parallel   int
	noTUI      bool
	output     string
	noDNS      bool
	noTLS      bool
	dnsAddr    string
	timeout    time.Duration
	offline    bool
	noPrepull  bool
}

func newUpCmd(s *streams) *cobra.Command {
	var f upFlags
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Create or reuse the cluster, install the stack, start DNS",
		Long: `up checks the machine, creates (or reuses, or starts) the kind cluster, starts
the resolver for the stack's domain, and installs every component as a Helm
release, each the moment its own dependencies are ready. Unchanged releases
are skipped, so a second up takes seconds. With --context it installs into an
existing cluster instead of creating one.`,
		Example: `  devstack up
  devstack up --profile minimal --no-tui
  devstack up --context my-cluster --only postgresql,redis
  devstack up -o json | jq .`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd.Context(), s) },
	}
	f.stack.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.kind.Name, "name", "", "cluster name (default: the profile's, \"devstack\")")
	fl.StringVar(&f.kind.NodeImage, "node-image", "", "kind node image to create the cluster from")
	fl.StringVar(&f.kind.KubernetesVersion, "kubernetes-version", "", "Kubernetes version of the node image, e.g. 1.36")
	fl.BoolVar(&f.recreate, "recreate", false, "delete and create the cluster when its spec changed in a way kind cannot apply in place")
	fl.StringVar(&f.context, "context", "", "install into this existing kubeconfig context instead of a kind cluster")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file for --context (default: $KUBECONFIG or ~/.kube/config)")
	fl.IntVar(&f.parallel, "parallel", dag.DefaultParallel, "how many components install at once")
	fl.BoolVar(&f.noTUI, "no-tui", false, "print plain lines instead of the live view")
	fl.StringVarP(&f.output, "output", "o", "", "json: print the events as JSON lines")
	fl.BoolVar(&f.noDNS, "no-dns", false, "do not start the resolver or touch the OS DNS set-up")
	fl.BoolVar(&f.noTLS, "no-tls", false, "do not create the CA, trust it, or issue the ingress's certificate (HTTP only)")
	fl.StringVar(&f.dnsAddr, "dns-addr", dns.DefaultAddr, "loopback address of the resolver")
	fl.BoolVar(&f.offline, "offline", false, "use only the images in devstack's caches; fail before touching the cluster, listing those missing")
	fl.BoolVar(&f.noPrepull, "no-prepull", false, "do not warm the caches while the cluster is created (pods pull through them as they start)")
	fl.DurationVar(&f.timeout, "timeout", 0, "per-component timeout for install and readiness (default: the catalog's)")
	return cmd
}

func (f *upFlags) run(ctx context.Context, s *streams) error {
	if f.output != "" && f.output != "json" {
		return usagef("--output must be json, got %q", f.output)
	}
	if f.parallel < 1 {
		return usagef("--parallel must be at least 1, got %d", f.parallel)
	}
	if f.kubeconfig != "" && f.context == "" {
		return usagef("--kubeconfig goes with --context: name the context to install into")
	}
	plan, err := f.stack.plan()
	if err != nil {
		return err
	}
	if f.timeout > 0 {
		for i := range plan.Components {
			plan.Components[i].TimeoutSeconds = int(f.timeout.Seconds())
		}
	}
	// The lock creates the state directory (0700) before anything else
	// writes to it.
	release, err := s.lock()
	if err != nil {
		return err
	}
	defer release()
	var dnsCfg dns.Config
	if !f.noDNS {
		if dnsCfg, err = (dns.Config{Addr: f.dnsAddr, Domains: []string{plan.Domain}}).Normalize(); err != nil {
			return usageError{err}
		}
	}
	var spec kind.Spec
	if f.context == "" {
		if spec, err = kind.SpecFor(plan.Cluster, f.kind); err != nil {
			return usageError{err}
		}
	}
	if err := s.record(f.stack, spec.Name, f.context, f.kubeconfig); err != nil {
		return err
	}

	work := func(ctx context.Context, sink event.Sink) error {
		r := &up.Runner{Plan: plan, Sink: sink, Parallel: f.parallel, NewInstaller: s.newInstaller(sink)}
		if f.context != "" {
			r.Target = up.Target{Kubeconfig: f.kubeconfig, Context: f.context}
		} else {
			m, err := s.manager(sink)
			if err != nil {
				return err
			}
			dnsPort := 0
			if !f.noDNS {
				dnsPort = preflight.PortOf(dnsCfg.Addr)
			}
			r.Preflight = preflight.Machine{Env: s.env, Spec: spec, DNSPort: dnsPort, Sink: sink, CacheUsage: s.cachesPurpose, Clusters: m}
			r.Cluster = &kindCluster{m: m, spec: spec, recreate: f.recreate}
			r.Images = s.imagesStep(sink, f.offline, f.noPrepull)
			r.Answers = answer.ForPlan(plan)
		}
		if !f.noDNS {
			r.Resolver = &hostdns.Phase{Sink: sink, StateDir: s.env.StateDir, Config: dnsCfg, OSRoot: s.env.OSRoot, Access: s.env.Access()}
		}
		if !f.noTLS {
			r.TLS = tlsStep(sink, s.env.StateDir, s.env.OSRoot)
		}
		_, err := r.Run(ctx)
		return err
	}

	opts := tui.Options{Plan: plan, In: s.in, Out: s.out}
	switch {
	case f.output == "json":
		_, err = tui.RunJSON(ctx, opts, work)
	case !f.noTUI && tui.Interactive(s.out, s.env.Getenv):
		if s.intr != nil {
			var back func()
			opts.Interrupts, back = s.intr.toView()
			defer back()
		}
		_, err = tui.Run(ctx, opts, work)
	default:
		_, err = tui.RunPlain(ctx, opts, work)
	}
	var changed *kind.SpecChangedError
	if errors.As(err, &changed) {
		return changed
	}
	return withNextStep(err)
}

// withNextStep tells the user what to do after a failed or interrupted
// run: the next up resumes, skipping what is already ready.
func withNextStep(err error) error {
	var run *dag.RunError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &run) && run.OnlyCancelled():
		return fmt.Errorf("%w\nrun `devstack up` again to resume: ready components are skipped", err)
	case errors.As(err, &run):
		return fmt.Errorf("%w\nfix the cause (see `devstack status`), then run `devstack up` again: ready components are skipped", err)
	}
	return err
}
