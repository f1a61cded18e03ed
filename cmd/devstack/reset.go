package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/reset"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/tui"
	"github.com/devstack-dev/devstack/internal/up"
)

func newResetCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var tf targetFlags
	var yes, keepData bool
	var tier string
	var all bool
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Back to a clean machine: delete the cluster, stop DNS, undo the OS set-up, remove the state",
		Long: `reset deletes devstack's kind clusters, stops the resolver, removes the OS DNS
configuration it installed and removes devstack's state directory, listing
what it removed. The chart cache is kept, so the next up downloads nothing.

With --tier apps it only uninstalls the application tier (databases,
monitoring, applications), in reverse dependency order, and keeps the
foundation and the cluster.

With --context the cluster is not devstack's to delete: reset uninstalls
devstack's releases from it in reverse dependency order, removes its CoreDNS
rewrite and offers to remove what Helm leaves behind (the namespaces devstack
created, the StatefulSets' claims unless --keep-data, the charts' CRDs).

devstack's CA stays, so browsers keep trusting it; --all removes it and its
trust entries too.`,
		Example: `  devstack reset
  devstack reset --yes
  devstack reset --tier apps
  devstack reset --context staging --keep-data`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tier != "" && tier != string(stack.TierApps) {
				return usagef("--tier takes %q (the foundation goes with the cluster: use reset without --tier)", stack.TierApps)
			}
			release, err := s.lock()
			if err != nil {
				return err
			}
			defer release()
			if err := s.choose(&sf, &tf); err != nil {
				return err
			}
			if keepData && tf.context == "" {
				return usagef("--keep-data applies to a --context cluster: devstack's own kind cluster is deleted whole, its volumes with it")
			}
			if tier == "" && tf.context == "" {
				if err := confirm(s, yes, "delete devstack's cluster, stop its resolver, undo its DNS set-up and remove its state"); err != nil {
					return err
				}
				return s.finishReset(cmd.Context(), s.resetAll(cmd.Context(), reset.Reset{Name: tf.name}), all)
			}
			// An existing cluster is not devstack's to delete: its releases
			// are removed instead, all of them or one tier.
			p, err := sf.plan()
			if err != nil {
				return err
			}
			if tier != "" {
				if err := confirm(s, yes, "uninstall the application tier"); err != nil {
					return err
				}
				return s.resetTier(cmd.Context(), p, stack.Tier(tier), &tf)
			}
			r, err := s.contextReset(cmd.Context(), p, &tf, keepData)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("uninstall devstack's releases from context %s, remove its CoreDNS rewrite, stop its resolver, undo its DNS set-up and remove its state", tf.context)
			if len(r.Remove) > 0 {
				what += ", and remove what Helm leaves behind:\n" + bullets(r.Remove) + "\n"
			}
			if err := confirm(s, yes, what); err != nil {
				return err
			}
			return s.finishReset(cmd.Context(), s.resetAll(cmd.Context(), r), all)
		},
	}
	sf.registerApplied(cmd)
	tf.register(cmd)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().StringVar(&tier, "tier", "", "only uninstall this tier (apps), keeping the foundation")
	cmd.Flags().BoolVar(&all, "all", false, "also remove devstack's CA and its trust entries (the next up makes a new CA to trust again), the image caches and the local registry with their volumes")
	cmd.Flags().BoolVar(&keepData, "keep-data", false, "with --context: keep the volume claims of the releases' StatefulSets")
	return cmd
}

// finishReset is what reset does on this machine after the cluster's part
// (err): the CA and the image registries are kept and said so, or removed
// with --all.
func (s *streams) finishReset(ctx context.Context, err error, all bool) error {
	if err == nil {
		err = resetCA(ctx, s, all)
	}
	return s.registriesAfterReset(ctx, all, err)
}

func bullets(ls []helm.Leftover) string {
	var b strings.Builder
	for _, l := range ls {
		fmt.Fprintf(&b, "  - %s\n", l)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// confirm asks on a terminal; without one, --yes is required (exit 2), so
// a script never deletes a cluster by accident.
func confirm(s *streams, yes bool, what string) error {
	if yes {
		return nil
	}
	f, ok := s.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return usagef("reset would %s: pass --yes to confirm when not on a terminal", what)
	}
	fmt.Fprintf(s.out, "This will %s. Continue? [y/N] ", what)
	line, _ := bufio.NewReader(s.in).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return usagef("reset cancelled")
	}
	return nil
}

// resetAll runs r on this machine, deleting devstack's kind clusters
// unless r targets a --context cluster, and lists what it removed.
func (s *streams) resetAll(ctx context.Context, r reset.Reset) error {
	r.StateDir, r.OSRoot, r.OS = s.env.StateDir, s.env.OSRoot, s.osdnsOptions()
	if r.Uninstaller == nil {
		m, err := s.manager(nil)
		if err != nil {
			return err
		}
		r.Clusters = m
	}
	res, err := r.Run(ctx)
	fmt.Fprint(s.out, reset.Describe(res.Removed))
	return err
}

// contextReset is the reset of a --context cluster: its releases, the
// CoreDNS rewrite, and what Helm leaves behind of them (listed now, while
// the releases still say what they ran; claims kept with keepData).
func (s *streams) contextReset(ctx context.Context, p *stack.Plan, tf *targetFlags, keepData bool) (reset.Reset, error) {
	t := up.Target{Kubeconfig: tf.kubeconfig, Context: tf.context}
	// One printer for Helm's progress and the uninstalls' states: two would
	// each keep their own view of a release and write to out concurrently.
	sink := tui.NewPlain(s.out)
	in, err := s.newHelm(t, sink)
	if err != nil {
		return reset.Reset{}, err
	}
	found, err := in.Leftovers(ctx, p.Components)
	if err != nil {
		return reset.Reset{}, err
	}
	r := reset.Reset{Plan: p, Uninstaller: in, Sink: sink, ClusterDNS: t.Clientset, Leftovers: in}
	var keep []helm.Leftover
	r.Remove, keep = reset.SplitLeftovers(found, keepData)
	for _, l := range keep {
		fmt.Fprintf(s.out, "Keeping %s (--keep-data)\n", l)
	}
	return r, nil
}

// resetTier uninstalls the releases of one tier in reverse dependency order.
func (s *streams) resetTier(ctx context.Context, p *stack.Plan, tier stack.Tier, tf *targetFlags) error {
	m, err := s.manager(nil)
	if err != nil {
		return err
	}
	t, err := tf.target(m, tf.clusterName(p))
	if err != nil {
		return err
	}
	in, err := s.newHelm(t, nil)
	if err != nil {
		return err
	}
	removed, err := reset.Releases(ctx, p, tier, in, tui.NewPlain(s.out))
	if len(removed) > 0 {
		fmt.Fprintln(s.out, "Uninstalled:")
		for _, r := range removed {
			fmt.Fprintf(s.out, "  - %s\n", r)
		}
	}
	return err
}
