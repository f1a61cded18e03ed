package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/prepull"
	"github.com/devstack-dev/devstack/internal/registry"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/tui"
	"github.com/devstack-dev/devstack/profiles"
)

func newImagesCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var output string
	cmd := &cobra.Command{
		Use:   "images",
		Short: "List every image of the plan: component, registry, size, whether it is cached",
		Long: `images renders every component of the plan as up would, lists each image it
runs (and those the catalog declares for operator-made pods) with its
components and registry, and tells whether devstack's cache for that
registry holds it whole; the size is known for cached images.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if err := s.choose(&sf, nil); err != nil {
				return err
			}
			p, err := sf.plan()
			if err != nil {
				return err
			}
			list, warn, err := s.listImages(cmd.Context(), p)
			if err != nil {
				return err
			}
			if warn != nil {
				fmt.Fprintf(s.err, "warning: the list misses the images of what could not be rendered:\n%v\n", warn)
			}
			if output == "json" {
				return writeJSON(s.out, list)
			}
			writeImages(s.out, list)
			return nil
		},
	}
	sf.registerApplied(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	cmd.AddCommand(newImagesPullCmd(s), newImagesPruneCmd(s))
	return cmd
}

func newImagesPruneCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove from the caches the images no profile uses",
		Long: `prune renders every profile (the embedded ones, those in $DEVSTACK_PROFILE_PATH,
and the one the flags describe, with its -f files) and removes from devstack's
caches every image none of them runs, then frees the space with the
registry's own garbage collector. Each cache is stopped for that and started
again. The local registry (your own images) is left alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			used, err := usedEverywhere(ctx, sf)
			if err != nil {
				return err
			}
			rep, err := s.registries(event.Discard).PruneUnused(ctx, used, dryRun)
			verb := "removed"
			if dryRun {
				verb = "would remove"
			}
			for _, r := range rep.Removed {
				fmt.Fprintf(s.out, "%s %s\n", verb, r)
			}
			if !dryRun {
				fmt.Fprintf(s.out, "freed %s\n", prepull.MB(rep.Freed))
			}
			return err
		},
	}
	sf.register(cmd)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "only list what would be removed")
	return cmd
}

// usedEverywhere is every image reference of every profile and of the
// plan the flags describe.
func usedEverywhere(ctx context.Context, sf stackFlags) ([]string, error) {
	infos, err := stack.ListProfiles(stackOptions(stackFlags{}))
	if err != nil {
		return nil, err
	}
	plans := []stackFlags{sf}
	for _, in := range infos {
		plans = append(plans, stackFlags{profile: in.Name})
	}
	var refs []string
	for _, f := range plans {
		p, err := f.plan()
		if err != nil {
			return nil, err
		}
		imgs, err := collectImages(ctx, p)
		if err != nil {
			// an image not rendered would be pruned: stop rather than guess
			return nil, fmt.Errorf("profile %s: %w", p.Profile, err)
		}
		for _, im := range imgs {
			refs = append(refs, im.Ref)
		}
	}
	return refs, nil
}

func newImagesPullCmd(s *streams) *cobra.Command {
	var sf stackFlags
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Warm the caches with every image of the plan, without a cluster (before a flight)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := s.choose(&sf, nil); err != nil {
				return err
			}
			p, err := sf.plan()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			printer := tui.NewPlain(s.out)
			imgs, err := collectImages(ctx, p)
			if err != nil {
				fmt.Fprintf(s.err, "warning: %v\n", err)
			}
			res, err := prepull.Pull(ctx, s.registries(printer), imgs, prepull.Options{Sink: printer, Insecure: s.env.InsecureRegistries})
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "%d images (%s) are in the caches; `devstack up --offline` can use them\n", res.Images, prepull.MB(res.Bytes))
			return nil
		},
	}
	sf.registerApplied(cmd)
	return cmd
}

// listImages is the plan's images as the running caches hold them; warn
// says which components could not be rendered.
func (s *streams) listImages(ctx context.Context, p *stack.Plan) (list []prepull.ImageStatus, warn, err error) {
	imgs, warn := collectImages(ctx, p)
	if warn != nil && len(imgs) == 0 {
		return nil, nil, warn
	}
	m := s.registries(event.Discard)
	existing, err := m.List(ctx)
	if err != nil {
		return nil, warn, err
	}
	var regs []registry.Registry
	for _, e := range existing {
		if e.Running {
			regs = append(regs, e.Registry)
		}
	}
	list, err = prepull.Stored(ctx, m, regs, imgs, prepull.Platform{})
	return list, warn, err
}

func writeImages(w io.Writer, list []prepull.ImageStatus) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tCOMPONENTS\tREGISTRY\tSIZE\tCACHED")
	cached := 0
	for _, im := range list {
		size, yes := "-", "no"
		if im.Cached {
			size, yes = prepull.MB(im.Size), "yes"
			cached++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", im.Ref, strings.Join(im.Components, ","), im.Registry, size, yes)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d images, %d cached\n", len(list), cached)
}

// collectImages renders the plan's charts as up installs them and collects
// their images.
func collectImages(ctx context.Context, p *stack.Plan) ([]prepull.Image, error) {
	r, err := helm.NewRenderer(helm.RenderOptions{ChartFS: profiles.FS})
	if err != nil {
		return nil, err
	}
	return prepull.Collect(ctx, r, p)
}
