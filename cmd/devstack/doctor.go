package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/doctor"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/paths"
	"github.com/devstack-dev/devstack/internal/stack"
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
			p, err := sf.plan()
			if err != nil {
				return err
			}
			checks, err := machineChecks(cmd.Context(), p, kind.Overrides{Name: name}, dns.DefaultPort)
			if err != nil {
				return err
			}
			rep, err := doctor.Run(cmd.Context(), checks, nil)
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
	sf.register(cmd)
	cmd.Flags().StringVar(&name, "name", "", "cluster name (default: the profile's, else "+kind.DefaultName+")")
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

// preflight is `devstack up`'s doctor: it runs the checks for plan with
// results going to sink, and returns a *doctor.FailedError, before anything
// is created, when one fails (no reachable engine among them: the message
// then names Docker or Podman and how to start it).
func preflight(ctx context.Context, sink event.Sink, p *stack.Plan, o kind.Overrides, dnsPort int) error {
	checks, err := machineChecks(ctx, p, o, dnsPort)
	if err != nil {
		return err
	}
	rep, err := doctor.Run(ctx, checks, sink)
	if err != nil {
		return err
	}
	return rep.Err()
}

// detectEngine is a variable so tests can point devstack at a fake client.
var detectEngine = kind.DetectEngine

// machineChecks builds the doctor's checks for plan on this machine. Ports
// the devstack cluster or resolver already hold count as free.
func machineChecks(ctx context.Context, p *stack.Plan, o kind.Overrides, dnsPort int) ([]doctor.Check, error) {
	requests, err := doctor.SumRequests(p.Components)
	if err != nil {
		return nil, err
	}
	spec, err := kind.SpecFor(p.Cluster, o)
	if err != nil {
		return nil, usageError{err}
	}
	stateDir, err := paths.StateDir()
	if err != nil {
		return nil, err
	}
	eng := detectEngine()
	// One question to the engine serves the engine, memory, CPU and disk
	// checks; it answers in milliseconds when no daemon runs.
	info, infoErr := eng.Info(ctx)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	cfg := doctor.Config{
		Engine: eng.Display(),
		EngineProbe: func(context.Context) (doctor.EngineInfo, error) {
			if infoErr != nil {
				return doctor.EngineInfo{}, infoErr
			}
			return doctor.EngineInfo{Engine: info.Engine, Version: info.Version, CPUs: info.CPUs, MemoryBytes: info.MemoryBytes}, nil
		},
		Profile:      p.Profile,
		Requests:     requests,
		PortProbe:    doctor.ProbePort,
		InotifyProbe: doctor.ReadInotify,
		DiskProbe:    doctor.FreeDisk,
	}

	published := map[int]bool{}
	if infoErr == nil {
		m, err := kind.New(kind.Options{Engine: eng, StateDir: stateDir}, nil)
		if err != nil {
			return nil, err
		}
		if st, err := m.Status(ctx, spec.Name); err == nil {
			for _, n := range st.Nodes {
				for _, hp := range n.Ports {
					published[hp] = n.Running
				}
			}
		}
	}
	owner := func(port int) string {
		if published[port] {
			return "cluster " + spec.Name
		}
		return ""
	}
	cfg.Ports = []doctor.Port{
		{Number: spec.HTTPPort, Proto: "tcp", Purpose: "HTTP ingress", Owner: owner(spec.HTTPPort), Flag: "cluster.httpPort in a stack file"},
		{Number: spec.HTTPSPort, Proto: "tcp", Purpose: "HTTPS ingress", Owner: owner(spec.HTTPSPort), Flag: "cluster.httpsPort in a stack file"},
	}
	dnsOwner := ""
	if st := dns.ReadStatus(stateDir); st.Running && portOf(st.Addr) == dnsPort {
		dnsOwner = fmt.Sprintf("the devstack DNS resolver (pid %d)", st.PID)
	}
	for _, proto := range []string{"udp", "tcp"} {
		cfg.Ports = append(cfg.Ports, doctor.Port{Number: dnsPort, Proto: proto, Purpose: "DNS resolver", Owner: dnsOwner})
	}

	caches := cachesPurpose(ctx, infoErr == nil)
	home, _ := os.UserHomeDir()
	engineDisk := false
	if info.RootDir != "" {
		if _, err := os.Stat(info.RootDir); err == nil { // not inside a VM
			engineDisk = true
		}
	}
	if home != "" {
		purpose := "devstack state and charts"
		if !engineDisk {
			purpose += caches
		}
		cfg.Disk = append(cfg.Disk, doctor.DiskPath{Path: home, Purpose: purpose})
	}
	if engineDisk {
		cfg.Disk = append(cfg.Disk, doctor.DiskPath{Path: info.RootDir, Purpose: info.Engine + " images" + caches})
	}
	return doctor.Checks(cfg), nil
}

func portOf(addr string) int {
	_, p, err := net.SplitHostPort(strings.TrimSpace(addr))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}
