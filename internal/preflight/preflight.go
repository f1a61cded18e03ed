package preflight

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/doctor"
	"github.com/devstack-dev/devstack/internal/env"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/up"
)

// Machine checks one plan on one machine.
type Machine struct {
	Env  env.Env
	Spec kind.Spec
	// DNSPort is the resolver's port (0: up runs without DNS).
	DNSPort int
	// Sink receives one event per check; nil discards them.
	Sink event.Sink
	// CacheUsage says how much devstack's image caches hold, for the disk
	// check ("" when there are none or the engine cannot say); nil: none.
	CacheUsage func(ctx context.Context, engineUp bool) string
	// Clusters says which host ports devstack's cluster already publishes
	// (they are its own, not a conflict); nil: none are.
	Clusters Clusters
}

// Clusters reads a kind cluster's nodes and their published ports; the
// caller's kind.Manager is one.
type Clusters interface {
	Status(ctx context.Context, name string) (kind.ClusterStatus, error)
}

var _ up.Preflight = Machine{}

// Check runs the checks for plan and returns a *doctor.FailedError when
// one fails, before anything is created.
func (m Machine) Check(ctx context.Context, p *stack.Plan) error {
	rep, err := m.Run(ctx, p)
	if err != nil {
		return err
	}
	return rep.Err()
}

// Run runs the checks for plan and reports each.
func (m Machine) Run(ctx context.Context, p *stack.Plan) (doctor.Report, error) {
	checks, err := m.Checks(ctx, p)
	if err != nil {
		return doctor.Report{}, err
	}
	return doctor.Run(ctx, checks, m.Sink)
}

// Checks builds the doctor's checks for plan.
func (m Machine) Checks(ctx context.Context, p *stack.Plan) ([]doctor.Check, error) {
	requests, err := doctor.SumRequests(p.Components)
	if err != nil {
		return nil, err
	}
	eng := m.Env.Engine
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
	if infoErr == nil && m.Clusters != nil {
		if st, err := m.Clusters.Status(ctx, m.Spec.Name); err == nil {
			for _, n := range st.Nodes {
				for _, hp := range n.Ports {
					published[hp] = n.Running
				}
			}
		}
	}
	cfg.Ports = m.ports(published)
	caches := ""
	if m.CacheUsage != nil {
		caches = m.CacheUsage(ctx, infoErr == nil)
	}
	// The caches live in the engine's volumes: on the engine's disk when it
	// is this machine's, else (inside a VM) counted with the home's.
	engineDisk := false
	if info.RootDir != "" {
		if _, err := os.Stat(info.RootDir); err == nil { // not inside a VM
			engineDisk = true
		}
	}
	if home, _ := os.UserHomeDir(); home != "" {
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

// ports are the host ports the cluster and the resolver need; those the
// devstack cluster (published, running) or resolver hold are theirs.
func (m Machine) ports(published map[int]bool) []doctor.Port {
	owner := func(port int) string {
		if published[port] {
			return "cluster " + m.Spec.Name
		}
		return ""
	}
	ports := []doctor.Port{
		{Number: m.Spec.HTTPPort, Proto: "tcp", Purpose: "HTTP ingress", Owner: owner(m.Spec.HTTPPort), Flag: "cluster.httpPort in a stack file"},
		{Number: m.Spec.HTTPSPort, Proto: "tcp", Purpose: "HTTPS ingress", Owner: owner(m.Spec.HTTPSPort), Flag: "cluster.httpsPort in a stack file"},
	}
	if m.DNSPort == 0 {
		return ports
	}
	dnsOwner := ""
	if st := dns.ReadStatus(m.Env.StateDir); st.Running && PortOf(st.Addr) == m.DNSPort {
		dnsOwner = fmt.Sprintf("the devstack DNS resolver (pid %d)", st.PID)
	}
	for _, proto := range []string{"udp", "tcp"} {
		ports = append(ports, doctor.Port{Number: m.DNSPort, Proto: proto, Purpose: "DNS resolver", Owner: dnsOwner})
	}
	return ports
}

// PortOf is the port of a host:port address, 0 when it has none.
func PortOf(addr string) int {
	_, p, err := net.SplitHostPort(strings.TrimSpace(addr))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}
