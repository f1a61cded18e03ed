package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/doctor"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/preflight"
)

func newDoctorCmd(s *streams) *cobra.Command {
	var sf stackFlags
	var name, output string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that this machine can run the stack (engine, memory, CPUs, ports, inotify, disk)",
		Long: `doctor checks what devstack up needs before it creates anything: a reachable
container engine (Docker or Podman, as kind supports them), its memory and CPUs
against the profile's summed requests, free host ports for the ingress (80, 443)
and the DNS resolver, the inotify limits on Linux, and free disk. Each check
says ok, warn or fail, and what to do. devstack up runs the same checks and
refuses to start on a failing one. Exit code 1 when a check fails.`,
		Example: `  devstack doctor
  devstack doctor --profile minimal
  devstack doctor -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(output); err != nil {
				return err
			}
			tf := targetFlags{name: name}
			if err := s.choose(&sf, &tf); err != nil {
				return err
			}
			p, err := sf.plan()
			if err != nil {
				return err
			}
			spec, err := kind.SpecFor(p.Cluster, kind.Overrides{Name: tf.name})
			if err != nil {
				return usageError{err}
			}
			m, err := s.manager(nil)
			if err != nil {
				return err
			}
			rep, err := preflight.Machine{Env: s.env, Spec: spec, DNSPort: dns.DefaultPort, Clusters: m}.Run(cmd.Context(), p)
			if err != nil {
				return err
			}
			if output == "json" {
				if err := writeJSON(s.out, rep); err != nil {
					return err
				}
			} else {
				writeReport(s.out, rep)
			}
			if n := len(rep.Failed()); n > 0 {
				return fmt.Errorf("%d check(s) failed", n)
			}
			return nil
		},
	}
	sf.registerApplied(cmd)
	cmd.Flags().StringVar(&name, "name", "", "cluster name (default: the one up applied, else the profile's, else "+kind.DefaultName+")")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// writeReport prints one line per check and the fix under each warn and fail.
func writeReport(w io.Writer, rep doctor.Report) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rep.Results {
		status := string(r.Status)
		if r.Status == doctor.Fail {
			status = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", status, r.Name, r.Message)
		if r.Fix != "" && r.Status != doctor.OK {
			fmt.Fprintf(tw, "\t\tfix: %s\n", r.Fix)
		}
	}
	tw.Flush()
}
