package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/devstack-dev/devstack/internal/reset"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/tui"
	"github.com/devstack-dev/devstack/internal/up"
)

func newResetCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var tf targetFlags
	var yes bool
	var tier string
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Back to a clean machine: delete the cluster, stop DNS, undo the OS set-up, remove the state",
		Long: `reset deletes devstack's kind clusters, stops the resolver, removes the OS DNS
configuration it installed and removes devstack's state directory, listing
what it removed. The chart cache is kept, so the next up downloads nothing.

With --tier apps it only uninstalls the application tier (databases,
monitoring, applications), in reverse dependency order, and keeps the
foundation and the cluster.`,
		Example: `  devstack reset
  devstack reset --yes
  devstack reset --tier apps`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if tier != "" && tier != string(stack.TierApps) {
				return usagef("--tier takes %q (the foundation goes with the cluster: use reset without --tier)", stack.TierApps)
			}
			what := "delete devstack's cluster, stop its resolver, undo its DNS set-up and remove its state"
			if tier != "" {
				what = "uninstall the application tier"
			}
			if err := confirm(s, yes, what); err != nil {
				return err
			}
			release, err := s.lock()
			if err != nil {
				return err
			}
			defer release()
			if err := s.choose(&sf, &tf); err != nil {
				return err
			}
			var p *stack.Plan
			if tier != "" || tf.context != "" {
				var err error
				if p, err = sf.plan(); err != nil {
					return err
				}
			}
			if tier != "" {
				return s.resetTier(cmd.Context(), p, stack.Tier(tier), &tf)
			}
			return s.resetAll(cmd.Context(), p, &tf)
		},
	}
	sf.register(cmd)
	tf.register(cmd)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().StringVar(&tier, "tier", "", "only uninstall this tier (apps), keeping the foundation")
	return cmd
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

// resetAll removes everything devstack made and lists what it removed.
// With --context the cluster is not devstack's to delete: its releases
// and the CoreDNS rewrite are removed instead.
func (s *streams) resetAll(ctx context.Context, p *stack.Plan, tf *targetFlags) error {
	r := reset.Reset{StateDir: s.env.StateDir, OSRoot: s.env.OSRoot, OS: s.osdnsOptions(), Name: tf.name}
	if tf.context == "" {
		m, err := s.manager(nil)
		if err != nil {
			return err
		}
		r.Clusters = m
	} else {
		t := up.Target{Kubeconfig: tf.kubeconfig, Context: tf.context}
		in, err := s.newHelm(t, nil)
		if err != nil {
			return err
		}
		r.Plan, r.Uninstaller, r.Sink = p, in, tui.NewPlain(s.out)
		r.ClusterDNS = t.Clientset
	}
	res, err := r.Run(ctx)
	fmt.Fprint(s.out, reset.Describe(res.Removed))
	return err
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
