package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/tui"
	"github.com/devstack-dev/devstack/internal/up"
	"github.com/devstack-dev/devstack/profiles"
)

func newResetCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var tf targetFlags
	var yes bool
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
			if tier != "" || tf.context != "" {
				// An existing cluster is not devstack's to delete: its
				// releases are removed instead, all of them or one tier.
				p, err := sf.plan()
				if err != nil {
					return err
				}
				if err := resetReleases(cmd.Context(), s, p, stack.Tier(tier), &tf); err != nil || tier != "" {
					return err
				}
			}
			err := resetAll(cmd.Context(), s, &tf)
			if err == nil {
				err = resetCA(cmd.Context(), s, all)
			}
			return registriesAfterReset(cmd.Context(), s, all, err)
		},
	}
	sf.register(cmd)
	tf.register(cmd)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().StringVar(&tier, "tier", "", "only uninstall this tier (apps), keeping the foundation")
	cmd.Flags().BoolVar(&all, "all", false, "also remove devstack's CA and its trust entries (the next up makes a new CA to trust again), the image caches and the local registry with their volumes")
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

// resetAll removes everything devstack made, going on past failures so
// that one stuck piece does not keep the rest in place, and lists what it
// removed.
func resetAll(ctx context.Context, s *streams, tf *targetFlags) error {
	m, stateDir, err := manager()
	if err != nil {
		return err
	}
	var removed []string
	var errs []error
	if tf.context == "" {
		names, _ := m.Recorded()
		if tf.name != "" || len(names) == 0 {
			names = append(names, tf.clusterName(nil))
		}
		for _, n := range dedupe(names) {
			what, err := m.Delete(ctx, n)
			switch {
			case errors.Is(err, kind.ErrNoCluster):
			case err != nil:
				errs = append(errs, fmt.Errorf("deleting cluster %s: %w", n, err))
			}
			removed = append(removed, what...)
		}
	}
	if st := dns.ReadStatus(stateDir); st.Running {
		if err := dns.Stop(ctx, stateDir); err != nil {
			errs = append(errs, fmt.Errorf("stopping the resolver: %w", err))
		} else {
			removed = append(removed, fmt.Sprintf("resolver process %d on %s", st.PID, st.Addr))
		}
	}
	undo, err := osdns.Uninstall(ctx, osConfig(nil, "", nil), osdnsOptions(s))
	if err != nil {
		errs = append(errs, fmt.Errorf("removing the OS DNS configuration: %w", err))
	}
	for _, cs := range undo.Applied {
		for _, c := range cs.Changes {
			removed = append(removed, c.String())
		}
	}
	if _, err := os.Stat(stateDir); err == nil {
		if err := os.RemoveAll(stateDir); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", stateDir, err))
		} else {
			removed = append(removed, "state directory "+stateDir)
		}
	}
	writeRemoved(s.out, removed)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w\nrun `devstack reset` again once the cause is fixed: it only removes what is left", err)
	}
	return nil
}

// resetReleases uninstalls the releases of one tier (all when tier is
// empty) in reverse dependency order.
func resetReleases(ctx context.Context, s *streams, p *stack.Plan, tier stack.Tier, tf *targetFlags) error {
	m, _, err := manager()
	if err != nil {
		return err
	}
	t, err := tf.target(m, tf.clusterName(p))
	if err != nil {
		return err
	}
	in, err := helm.New(helm.Options{Kubeconfig: t.Kubeconfig, Context: t.Context, ChartFS: profiles.FS})
	if err != nil {
		return err
	}
	printer := tui.NewPlain(s.out)
	rep, err := up.Remove(ctx, p, tier, in, printer, 0)
	var removed []string
	if rep != nil {
		for _, r := range rep.Results {
			if r.State == "succeeded" {
				removed = append(removed, "release "+r.Name)
			}
		}
	}
	if len(removed) > 0 {
		fmt.Fprintln(s.out, "Uninstalled:")
		for _, r := range removed {
			fmt.Fprintf(s.out, "  - %s\n", r)
		}
	}
	return err
}

func writeRemoved(w io.Writer, removed []string) {
	if len(removed) == 0 {
		fmt.Fprintln(w, "Nothing to remove: the machine is clean.")
		return
	}
	fmt.Fprintln(w, "Removed:")
	for _, r := range removed {
		fmt.Fprintf(w, "  - %s\n", r)
	}
}

func dedupe(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
