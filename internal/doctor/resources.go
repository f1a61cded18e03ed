package doctor

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/devstack-dev/devstack/internal/stack"
)

// Requests are summed resource requests.
type Requests struct {
	MilliCPU    int64
	MemoryBytes int64
}

// Overhead is what the kind node needs besides the stack: the control plane
// (API server, etcd, controller manager, scheduler), CoreDNS, kindnet,
// kube-proxy and the node's own systemd and containerd. It is an estimate
// of use, not of requests, since that is what the engine must hold.
var Overhead = Requests{MilliCPU: 1000, MemoryBytes: 1536 << 20}

// SumRequests adds up the components' resource requests.
func SumRequests(components []stack.Planned) (Requests, error) {
	var sum Requests
	for _, c := range components {
		if c.Resources == nil {
			continue
		}
		if c.Resources.CPU != "" {
			q, err := resource.ParseQuantity(c.Resources.CPU)
			if err != nil {
				return Requests{}, fmt.Errorf("component %s: cpu %q: %w", c.Name, c.Resources.CPU, err)
			}
			sum.MilliCPU += q.MilliValue()
		}
		if c.Resources.Memory != "" {
			q, err := resource.ParseQuantity(c.Resources.Memory)
			if err != nil {
				return Requests{}, fmt.Errorf("component %s: memory %q: %w", c.Name, c.Resources.Memory, err)
			}
			sum.MemoryBytes += q.Value()
		}
	}
	return sum, nil
}

// EngineInfo is the container engine's capacity.
type EngineInfo struct {
	// Engine names it for people: "Docker", "Podman".
	Engine      string
	Version     string
	CPUs        int
	MemoryBytes int64
}

// EngineProbe asks the engine for its capacity; an error means it is not
// reachable, and its message says why in the engine's own words.
type EngineProbe func(ctx context.Context) (EngineInfo, error)

// engineOnce shares one answer of the probe between the engine, memory
// and CPU checks.
type engineOnce struct {
	probe EngineProbe
	once  sync.Once
	info  EngineInfo
	err   error
}

func (e *engineOnce) get(ctx context.Context) (EngineInfo, error) {
	e.once.Do(func() { e.info, e.err = e.probe(ctx) })
	return e.info, e.err
}

// engineFix is the advice for an engine that does not answer.
func engineFix(name string) string {
	switch name {
	case "Podman":
		return "start Podman (podman machine start on macOS and Windows; systemctl --user start podman.socket on Linux), then run devstack doctor again"
	}
	return "start " + name + " (Docker Desktop on macOS and Windows; sudo systemctl start docker on Linux), then run devstack doctor again"
}

func engineCheck(e *engineOnce, name string) Check {
	return Check{Name: "container engine", Run: func(ctx context.Context) Result {
		info, err := e.get(ctx)
		if err != nil {
			return Result{Status: Fail, Message: err.Error(), Fix: engineFix(name)}
		}
		return Result{Status: OK, Message: fmt.Sprintf("%s %s reachable: %d CPUs, %s memory", info.Engine, info.Version, info.CPUs, gib(info.MemoryBytes))}
	}}
}

// Share of the engine's capacity above which a check warns.
const warnShare = 0.85

func memoryCheck(e *engineOnce, need Requests, profile string) Check {
	return Check{Name: "memory", Run: func(ctx context.Context) Result {
		info, err := e.get(ctx)
		if err != nil {
			return Result{Status: Warn, Message: "not checked: the container engine is not reachable"}
		}
		want := need.MemoryBytes + Overhead.MemoryBytes
		msg := fmt.Sprintf("the %s profile needs about %s (requests %s + cluster %s); %s has %s",
			profile, gib(want), gib(need.MemoryBytes), gib(Overhead.MemoryBytes), info.Engine, gib(info.MemoryBytes))
		return verdict(float64(want), float64(info.MemoryBytes), msg,
			fmt.Sprintf("give %s more memory (Docker Desktop: Settings > Resources)%s", info.Engine, smaller(profile)))
	}}
}

func cpuCheck(e *engineOnce, need Requests, profile string) Check {
	return Check{Name: "CPU", Run: func(ctx context.Context) Result {
		info, err := e.get(ctx)
		if err != nil {
			return Result{Status: Warn, Message: "not checked: the container engine is not reachable"}
		}
		want := need.MilliCPU + Overhead.MilliCPU
		msg := fmt.Sprintf("the %s profile requests %s CPUs (cluster included); %s has %d",
			profile, cores(want), info.Engine, info.CPUs)
		return verdict(float64(want), float64(info.CPUs)*1000, msg,
			fmt.Sprintf("give %s more CPUs%s", info.Engine, smaller(profile)))
	}}
}

// verdict fails when want exceeds have and warns above warnShare of it.
func verdict(want, have float64, msg, fix string) Result {
	switch {
	case want > have:
		return Result{Status: Fail, Message: msg, Fix: fix}
	case want > warnShare*have:
		return Result{Status: Warn, Message: msg + ": little headroom", Fix: fix}
	}
	return Result{Status: OK, Message: msg}
}

func smaller(profile string) string {
	if profile == "minimal" {
		return ""
	}
	return ", or use --profile minimal"
}

func gib(b int64) string {
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}

func cores(milli int64) string {
	return fmt.Sprintf("%.1f", float64(milli)/1000)
}
