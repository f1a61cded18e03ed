package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/registry"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// statusReport is `devstack status -o json`.
type statusReport struct {
	Profile    string              `json:"profile"`
	Cluster    *kind.ClusterStatus `json:"cluster,omitempty"`
	Context    string              `json:"context"`
	Components []componentStatus   `json:"components"`
	DNS        dnsStatus           `json:"dns"`
	Registries []registry.Existing `json:"registries"`
	URLs       []string            `json:"urls"`
	// Ready is true when every component is installed and ready.
	Ready bool `json:"ready"`
}

type componentStatus struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	helm.Status
	Error string `json:"error,omitempty"`
}

type dnsStatus struct {
	dns.Status
	// Routing is true when devstack's OS routing (resolver file, drop-in
	// or hosts block) is installed.
	Routing bool `json:"routing"`
}

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
			p, err := sf.plan()
			if err != nil {
				return err
			}
			rep, err := collectStatus(cmd.Context(), p, &tf)
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
	sf.register(cmd)
	tf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func collectStatus(ctx context.Context, p *stack.Plan, tf *targetFlags) (*statusReport, error) {
	m, stateDir, err := manager()
	if err != nil {
		return nil, err
	}
	rep := &statusReport{Profile: p.Profile}
	name := tf.clusterName(p)
	reachable := tf.context != ""
	var since map[string]time.Time
	if tf.context == "" {
		st, err := m.Status(ctx, name)
		if err != nil {
			return nil, err
		}
		rep.Cluster = &st
		reachable, since = st.State == kind.StateRunning, st.NodesStartedAt()
	}
	if reachable {
		rep.Components = componentStatuses(ctx, p, m, name, tf, since)
	} else {
		for _, c := range p.Components {
			rep.Components = append(rep.Components, componentStatus{Name: c.Name, Namespace: c.Namespace})
		}
	}
	if t, err := tf.target(m, name); err == nil {
		rep.Context = t.Context
	}
	rep.DNS.Status = dns.ReadStatus(stateDir)
	rep.Registries, _ = registryManager(event.Discard).List(ctx) // an engine that cannot answer shows none
	if undo, err := osdns.PlanUndo(osConfig([]string{p.Domain}, "", nil)); err == nil {
		rep.DNS.Routing = len(undo.Changes) > 0
	}
	rep.Ready = reachable
	for _, c := range rep.Components {
		if !c.Installed || !c.Ready {
			rep.Ready = false
		}
	}
	for _, h := range planHosts(p) {
		rep.URLs = append(rep.URLs, "http://"+h)
	}
	return rep, nil
}

// componentStatuses asks Helm and the cluster about each component; a
// component that cannot be read says why rather than failing the command.
func componentStatuses(ctx context.Context, p *stack.Plan, m *kind.Manager, name string, tf *targetFlags, since map[string]time.Time) []componentStatus {
	var out []componentStatus
	t, err := tf.target(m, name)
	var in *helm.Installer
	if err == nil {
		in, err = helm.New(helm.Options{Kubeconfig: t.Kubeconfig, Context: t.Context, ChartFS: profiles.FS, ReadySince: since})
	}
	for _, c := range p.Components {
		cs := componentStatus{Name: c.Name, Namespace: c.Namespace}
		if err != nil {
			cs.Error = err.Error()
		} else if st, serr := in.Status(ctx, c); serr != nil {
			cs.Error = serr.Error()
		} else {
			cs.Status = st
		}
		out = append(out, cs)
	}
	return out
}

func writeStatus(w io.Writer, r *statusReport) {
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
