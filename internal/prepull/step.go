package prepull

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/registry"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Collector returns every image the plan runs, with its components.
type Collector func(ctx context.Context, plan *stack.Plan) ([]Image, error)

// Step is `up`'s images step (internal/up.Images): the registries before
// the cluster, the warming while it is created, the local registry's
// announcement once it answers.
type Step struct {
	Registries *registry.Manager
	Collect    Collector
	// Offline forbids the upstreams: Start fails, before the cluster is
	// touched, when an image is missing from the caches.
	Offline bool
	// NoWarm leaves the warming to the pods' own pulls (through the caches);
	// for measuring what pre-pull saves.
	NoWarm bool
	Warm   Options
	Sink   event.Sink
	// Clientset connects to the cluster for the announcement.
	Clientset func(kubeconfig, context string) (kubernetes.Interface, error)

	warmer *Warmer
	done   chan struct{}
	once   sync.Once
}

// Start implements up.Images.
func (s *Step) Start(ctx context.Context, plan *stack.Plan) (map[string][]string, error) {
	sink := s.sink()
	images, err := s.Collect(ctx, plan)
	if err != nil {
		if s.Offline {
			return nil, fmt.Errorf("listing the plan's images: %w", err)
		}
		s.warn("registries", fmt.Sprintf("the images of some components are not known, so they are not pre-pulled (their pods pull through the caches as they start): %v", err))
	}
	images = Merge(images)
	refs := make([]string, len(images))
	for i, im := range images {
		refs[i] = im.Ref
	}
	hosts := registry.Hosts(refs)
	started := time.Now()
	sink.Emit(event.Stamp(event.Event{Source: event.SourceImages, Name: "registries", State: event.Running,
		Message: fmt.Sprintf("caches for %s and the local registry", strings.Join(hosts, ", "))}))
	regs, err := s.Registries.Ensure(ctx, hosts)
	if err != nil {
		sink.Emit(event.Stamp(event.Event{Source: event.SourceImages, Name: "registries", State: event.Failed, Message: err.Error(), Elapsed: time.Since(started)}))
		if s.Offline || ctx.Err() != nil {
			return nil, err
		}
		// Without caches the nodes pull from the upstreams, as without devstack.
		s.warn(StepName, "the caches could not start, so nothing is pre-pulled and the nodes pull from the upstreams")
		return nil, nil
	}
	sink.Emit(event.Stamp(event.Event{Source: event.SourceImages, Name: "registries", State: event.Succeeded,
		Message: describe(regs), Elapsed: time.Since(started)}))

	caches := map[string]string{}
	var upstreams []registry.Upstream
	for _, r := range regs {
		if !r.Local {
			caches[r.Host] = r.Addr
			upstreams = append(upstreams, registry.Upstream{Host: r.Host, RemoteURL: r.Upstream})
		}
	}
	if s.Offline {
		missing, err := Missing(ctx, s.Registries, regs, images, s.Warm.Platform)
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			return nil, &OfflineError{Missing: missing}
		}
	}
	opts := s.withSink()
	opts.Layer = map[string]int{}
	for _, c := range plan.Components {
		opts.Layer[c.Name] = c.Layer
	}
	s.warmer = New(opts)
	s.done = make(chan struct{})
	if s.Offline || s.NoWarm {
		close(s.done) // offline: everything is there; the upstreams are not to be asked
	} else {
		go func() {
			defer close(s.done)
			s.warmer.Run(ctx, images, caches)
		}()
	}
	return registry.Mirrors(upstreams, s.Registries.LocalPort()), nil
}

// Attach implements up.Images: it announces the local registry (KEP-1755).
func (s *Step) Attach(ctx context.Context, kubeconfig, kubeContext string) error {
	port := s.Registries.LocalPort()
	if port == 0 || s.Clientset == nil {
		return nil
	}
	cs, err := s.Clientset(kubeconfig, kubeContext)
	if err != nil {
		return err
	}
	return registry.Announce(ctx, cs, port)
}

// Watch implements up.Images. It first waits, saying so, until the
// component's images are in the caches: a pod pulling a blob the cache is
// still fetching would fetch it from the upstream a second time (the
// proxy stores only the first fetch), on the same link.
func (s *Step) Watch(ctx context.Context, component string) func(error) error {
	if s.warmer == nil || s.NoWarm {
		return func(err error) error { return err }
	}
	for msg := s.warmer.Pending(component); msg != "" && ctx.Err() == nil; msg = s.warmer.Pending(component) {
		s.sink().Emit(event.Stamp(event.Event{Source: event.SourceComponent, Name: component, State: event.Progress, Message: msg}))
		select {
		case <-ctx.Done():
		case <-s.done:
		case <-time.After(s.warmer.opts.Every):
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(s.warmer.opts.Every)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if msg := s.warmer.Pending(component); msg != "" {
					s.sink().Emit(event.Stamp(event.Event{Source: event.SourceComponent, Name: component, State: event.Progress, Message: msg}))
				}
			}
		}
	}()
	return func(err error) error {
		close(stop)
		wg.Wait()
		if err == nil {
			return nil
		}
		if why := s.warmer.Failure(ctx, component); why != nil {
			return fmt.Errorf("%w; %v", err, why)
		}
		return err
	}
}

// Wait implements up.Images. Images that failed are warnings (and the
// reasons of their components), not an error of `up`.
func (s *Step) Wait(ctx context.Context) error {
	if s.done == nil {
		return nil
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Step) withSink() Options {
	o := s.Warm
	o.Sink = s.sink()
	return o
}

func (s *Step) sink() event.Sink {
	if s.Sink == nil {
		return event.Discard
	}
	return s.Sink
}

func (s *Step) warn(name, msg string) {
	s.sink().Emit(event.Stamp(event.Event{Source: event.SourceImages, Name: name, State: event.Warning, Message: msg}))
}

func describe(regs []registry.Registry) string {
	var parts []string
	for _, r := range regs {
		what := "cache " + r.Host
		if r.Local {
			what = "local registry " + r.Host
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", what, r.Action))
	}
	return strings.Join(parts, ", ")
}

// OfflineError lists the images `up --offline` cannot have.
type OfflineError struct {
	Missing []string
}

func (e *OfflineError) Error() string {
	return fmt.Sprintf("--offline: %d image(s) are not in the caches:\n  - %s\nrun `devstack images pull` while online, or `devstack up` without --offline",
		len(e.Missing), strings.Join(e.Missing, "\n  - "))
}

// ExitCode makes the CLI exit 1: a runtime condition, not bad input.
func (e *OfflineError) ExitCode() int { return 1 }

// Missing lists the images (sorted) that the caches do not hold whole.
// An image of a registry without a cache is missing.
func Missing(ctx context.Context, m *registry.Manager, regs []registry.Registry, images []Image, platform Platform) ([]string, error) {
	st, err := Stored(ctx, m, regs, images, platform)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, s := range st {
		if !s.Cached {
			missing = append(missing, s.Ref)
		}
	}
	sort.Strings(missing)
	return missing, nil
}

var errNoCache = errors.New("no cache for its registry")
