package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/status"
	"github.com/devstack-dev/devstack/internal/up"
)

func newStatusCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var tf targetFlags
	var output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the cluster, each component, the resolver and the URLs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			if err := s.choose(&sf, &tf); err != nil {
				return err
			}
			p, err := sf.plan()
			if err != nil {
				return err
			}
			rep, err := s.collectStatus(cmd.Context(), p, &tf)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(s.out, rep)
			}
			writeStatus(s.out, rep)
			return nil
		},
	}
	sf.registerApplied(cmd)
	tf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// collectStatus reads the status of plan's cluster and components.
func (s *streams) collectStatus(ctx context.Context, p *stack.Plan, tf *targetFlags) (*status.Report, error) {
	m, err := s.manager(nil)
	if err != nil {
		return nil, err
	}
	name := tf.clusterName(p)
	src := status.Source{Plan: p, ClusterName: name, StateDir: s.env.StateDir, OSRoot: s.env.OSRoot,
		Connect: func(t up.Target) (status.Releases, error) { return s.newHelm(t, nil) }}
	if tf.context == "" {
		src.Cluster = m
	}
	src.Target, src.TargetErr = tf.target(m, name)
	rep, err := status.Collect(ctx, src)
	if err == nil {
		rep.URLs = hostURLs(p)
		rep.Registries, _ = s.registries(event.Discard).List(ctx) // an engine that cannot answer shows none
	}
	return rep, err
}

func writeStatus(w io.Writer, r *status.Report) {
	if c := r.Cluster; c != nil {
		fmt.Fprintf(w, "Cluster %s: %s", c.Name, c.State)
		if c.KubernetesVersion != "" {
			fmt.Fprintf(w, ", Kubernetes %s", c.KubernetesVersion)
		}
		if c.NodeImage != "" {
			fmt.Fprintf(w, ", image %s", c.NodeImage)
		}
		if c.Message != "" {
			fmt.Fprintf(w, " (%s)", c.Message)
		}
		fmt.Fprintln(w)
		switch c.State {
		case kind.StateAbsent:
			fmt.Fprintln(w, "  no cluster: run `devstack up` to create it")
		case kind.StateStopped:
			fmt.Fprintln(w, "  stopped: run `devstack up` to start it again")
		}
	} else {
		fmt.Fprintf(w, "Context %s\n", r.Context)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "COMPONENT\tRELEASE\tREADY\tDETAIL")
	for _, c := range r.Components {
		release, ready, detail := "-", "-", ""
		if c.Installed {
			release = fmt.Sprintf("%s (r%d)", c.State, c.Revision)
			ready = "no"
			if c.Ready {
				ready = "yes"
			}
			detail = strings.Join(c.Waiting, ", ")
		}
		if c.Error != "" {
			detail = c.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, release, ready, clip(detail, 50))
	}
	tw.Flush()
	fmt.Fprintln(w)
	d := r.DNS
	switch {
	case d.Running:
		fmt.Fprintf(w, "Resolver: running on %s (pid %d)", d.Addr, d.PID)
	default:
		fmt.Fprint(w, "Resolver: not running")
		if d.Message != "" && d.Message != "not running" {
			fmt.Fprintf(w, " (%s)", d.Message)
		}
	}
	if d.Routing {
		fmt.Fprintln(w, "; OS routing installed")
	} else {
		fmt.Fprintln(w, "; OS routing not installed (`devstack dns install`)")
	}
	writeRegistries(w, r.Registries)
	if len(r.URLs) > 0 {
		fmt.Fprintf(w, "\nURLs:\n  %s\n", wrap(strings.Join(r.URLs, " "), 76, "  "))
	}
}
