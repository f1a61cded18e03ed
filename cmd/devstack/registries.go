package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/prepull"
	"github.com/devstack-dev/devstack/internal/registry"
	"github.com/devstack-dev/devstack/internal/up"
)

// registries is devstack's manager of the image caches and the local
// registry, on the environment's engine and settings.
func (s *streams) registries(sink event.Sink) *registry.Manager {
	return registry.New(registry.Options{
		Engine:    registry.Engine{Binary: s.env.Engine.Binary},
		LocalPort: s.env.RegistryPort,
		Insecure:  s.env.InsecureRegistries,
		Sink:      sink,
	})
}

// imagesStep adapts prepull.Step to up.Images.
type imagesStep struct{ *prepull.Step }

func (s imagesStep) Attach(ctx context.Context, t up.Target) error {
	return s.Step.Attach(ctx, t.Kubeconfig, t.Context)
}

func (s *streams) imagesStep(sink event.Sink, offline, noWarm bool) up.Images {
	return imagesStep{&prepull.Step{
		Registries: s.registries(sink),
		Collect:    collectImages,
		Offline:    offline,
		NoWarm:     noWarm,
		Warm:       prepull.Options{Insecure: s.env.InsecureRegistries},
		Sink:       sink,
		Clientset: func(kubeconfig, context string) (kubernetes.Interface, error) {
			return up.Target{Kubeconfig: kubeconfig, Context: context}.Clientset()
		},
	}}
}

// UseMirrors adds devstack's registries to the profile's own mirrors
// (theirs are tried first).
func (k *kindCluster) UseMirrors(mirrors map[string][]string) {
	merged := map[string][]string{}
	for h, eps := range mirrors {
		merged[h] = eps
	}
	for h, eps := range k.spec.RegistryMirrors {
		merged[h] = append(append([]string(nil), eps...), mirrors[h]...)
	}
	k.spec.RegistryMirrors = merged
}

// keptRegistries says what reset left in place, and removeRegistries
// removes it (reset --all).
func (s *streams) keptRegistries(ctx context.Context, w io.Writer) {
	regs, err := s.registries(event.Discard).List(ctx)
	if err != nil || len(regs) == 0 {
		return
	}
	fmt.Fprintln(w, "Kept (so the next up downloads no image again; `devstack reset --all` removes them):")
	for _, r := range regs {
		what := "cache of " + r.Host
		if r.Local {
			what = "local registry " + r.Host
		}
		fmt.Fprintf(w, "  - %s: container and volume %s\n", what, r.Container)
	}
}

func (s *streams) removeRegistries(ctx context.Context) ([]string, error) {
	return s.registries(event.Discard).RemoveAll(ctx)
}

// registriesAfterReset lists the registries reset keeps, or removes them
// with --all; err is reset's own outcome.
func (s *streams) registriesAfterReset(ctx context.Context, all bool, err error) error {
	if !all {
		s.keptRegistries(ctx, s.out)
		return err
	}
	removed, rerr := s.removeRegistries(ctx)
	if len(removed) > 0 {
		fmt.Fprintln(s.out, "Removed:")
		for _, r := range removed {
			fmt.Fprintf(s.out, "  - %s\n", r)
		}
	}
	if rerr != nil {
		rerr = fmt.Errorf("removing the registries: %w", rerr)
	}
	return errors.Join(err, rerr)
}

// writeRegistries is status's part about the caches and the local registry.
func writeRegistries(w io.Writer, regs []registry.Existing) {
	if len(regs) == 0 {
		fmt.Fprintln(w, "Registries: none yet (`devstack up` starts a cache per upstream and the local registry)")
		return
	}
	fmt.Fprintln(w, "Registries:")
	for _, r := range regs {
		what := "cache of " + r.Host
		if r.Local {
			what = "local registry " + r.Host + " (docker push " + r.Host + "/NAME)"
		}
		state := r.Status
		if r.Addr != "" && r.Running {
			state += " on " + r.Addr
		}
		fmt.Fprintf(w, "  %s: %s (%s)\n", what, state, r.Container)
	}
}

// cachesPurpose says, for doctor's disk check, how much devstack's image
// caches hold, "" when there are none or the engine cannot be asked.
func (s *streams) cachesPurpose(ctx context.Context, engineUp bool) string {
	if !engineUp {
		return ""
	}
	n, err := s.registries(event.Discard).DiskUsage(ctx)
	if err != nil || n == 0 {
		return ""
	}
	return fmt.Sprintf(", of which devstack's image caches hold %s (`devstack reset --all` frees them)", prepull.MB(n))
}
