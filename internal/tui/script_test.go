package tui

import (
	"sort"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// script describes a scripted run of a plan: the graph engine's events
// without the graph engine. Components start when their dependencies are
// done (fine-grained, like the scheduler), after the cluster (from 60s).
type script struct {
	plan      *stack.Plan
	durations map[string]float64 // seconds; 20 when unset
	fail      map[string]string  // component -> failure message
	skip      map[string]bool    // unchanged releases
	// events, when set, replaces the simulation with a fixed sequence.
	events func() []event.Event
}

// events returns the run's events up to and including second until,
// sorted by time. Dependents of a failure are blocked when it fails.
func (s script) run(until float64) []event.Event {
	if s.events != nil {
		return s.events()
	}
	es := append(preflight(), clusterOK()...)
	es = append(es,
		event.Event{Time: at(60), Source: event.SourceDNS, Name: "resolver", State: event.Running},
		event.Event{Time: at(61), Source: event.SourceDNS, Name: "resolver", State: event.Succeeded,
			Message: "127.0.0.1:5354 answers *.local", Elapsed: time.Second})
	end := map[string]float64{}
	blockedBy := map[string]string{}
	for _, c := range s.plan.Components {
		start := 60.0
		var waitOn []string
		for _, d := range c.DependsOn {
			start = max(start, end[d])
			waitOn = append(waitOn, d)
			if b, ok := blockedBy[d]; ok && blockedBy[c.Name] == "" {
				blockedBy[c.Name] = b
			}
			if _, failed := s.fail[d]; failed && blockedBy[c.Name] == "" {
				blockedBy[c.Name] = d
			}
		}
		if len(waitOn) > 0 {
			es = append(es, event.Event{Time: at(60), Source: event.SourceComponent, Name: c.Name,
				State: event.Waiting, Layer: c.Layer, WaitingOn: waitOn})
		}
		if b := blockedBy[c.Name]; b != "" {
			end[c.Name] = start
			es = append(es, event.Event{Time: at(start), Source: event.SourceComponent, Name: c.Name,
				State: event.Blocked, Layer: c.Layer, BlockedBy: b})
			continue
		}
		dur := s.durations[c.Name]
		if dur == 0 {
			dur = 20
		}
		if s.skip[c.Name] {
			dur = 1
		}
		end[c.Name] = start + dur
		es = append(es, event.Event{Time: at(start), Source: event.SourceComponent, Name: c.Name,
			State: event.Running, Layer: c.Layer, Message: "installing chart"})
		if s.skip[c.Name] {
			es = append(es, event.Event{Time: at(start + dur), Source: event.SourceComponent, Name: c.Name,
				State: event.Skipped, Layer: c.Layer, Message: "release unchanged", Elapsed: time.Duration(dur * float64(time.Second))})
			continue
		}
		es = append(es, event.Event{Time: at(start + dur/2), Source: event.SourceComponent, Name: c.Name,
			State: event.Progress, Layer: c.Layer, Message: "waiting for deployment/" + c.Name + " 0/1 ready"})
		final := event.Event{Time: at(start + dur), Source: event.SourceComponent, Name: c.Name,
			State: event.Succeeded, Layer: c.Layer, Elapsed: time.Duration(dur * float64(time.Second))}
		if msg, ok := s.fail[c.Name]; ok {
			final.State, final.Message = event.Failed, msg
		}
		es = append(es, final)
	}
	// The run's phases around the cluster and the installs, as internal/up emits them.
	last := 60.0
	for _, e := range end {
		last = max(last, e)
	}
	install := event.Event{Time: at(last), Source: event.SourceRun, Name: "install", State: event.Succeeded,
		Elapsed: time.Duration((last - 60) * float64(time.Second))}
	if len(s.fail) > 0 {
		install.State, install.Message = event.Failed, "some components failed"
	}
	es = append(es,
		event.Event{Time: at(0), Source: event.SourceRun, Name: "cluster", State: event.Running},
		event.Event{Time: at(60), Source: event.SourceRun, Name: "cluster", State: event.Succeeded, Elapsed: time.Minute},
		event.Event{Time: at(60), Source: event.SourceRun, Name: "install", State: event.Running},
		install)
	sort.SliceStable(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
	var out []event.Event
	for _, e := range es {
		if !e.Time.After(at(until)) {
			out = append(out, e)
		}
	}
	return out
}

// seedScript is the seed stack with realistic durations.
func seedScript() script {
	return script{plan: seedPlan(), durations: map[string]float64{
		"traefik": 25, "cert-manager": 35, "scylla-operator": 40, "kube-prometheus-stack": 95,
		"weave-gitops": 30, "loki": 45, "scylla-manager": 50, "postgresql": 60, "redis": 40,
		"scylladb": 120, "n8n": 35, "temporal": 70,
	}}
}

// postgresFailure is what the installer reports when the database pod
// never becomes ready.
const postgresFailure = `helm upgrade --install postgresql: context deadline exceeded
waiting for cluster.postgresql.cnpg.io/postgresql: condition Ready is False
pod postgresql-1 container postgres: waiting: CrashLoopBackOff
back-off 40s restarting failed container=postgres pod=postgresql-1_databases
last log line: FATAL: password authentication failed; password=hunter2`

// connectFailure: the cluster is created but devstack cannot reach it; no
// component starts.
func connectFailure() []event.Event {
	return append(clusterOK(),
		event.Event{Time: at(60), Source: event.SourceRun, Name: "connect", State: event.Running},
		event.Event{Time: at(75), Source: event.SourceRun, Name: "connect", State: event.Failed, Elapsed: 15 * time.Second,
			Message: "build client for context kind-devstack:\nGet \"https://127.0.0.1:6443/version\": dial tcp 127.0.0.1:6443: connect: connection refused"})
}

// preflight is the doctor's checks before the cluster: one passes, one
// warns.
func preflight() []event.Event {
	return []event.Event{
		{Time: at(0), Source: event.SourceDoctor, Name: "docker", State: event.Succeeded, Message: "Docker 27.3 reachable"},
		{Time: at(0), Source: event.SourceDoctor, Name: "memory", State: event.Warning, Message: "6 GiB free, 8 GiB advised for the full stack"},
	}
}

// clusterFailure: kind fails to start the control plane after a warning.
func clusterFailure() []event.Event {
	es := preflight()
	for i, s := range kindSteps[:3] {
		es = append(es, step(float64(i*10), s, event.Running, ""), step(float64(i*10+10), s, event.Succeeded, ""))
	}
	cp := kindSteps[3]
	return append(es,
		event.Event{Time: at(0), Source: event.SourceRun, Name: "cluster", State: event.Running},
		step(30, cp, event.Running, ""),
		step(35, cp, event.Warning, "cgroup v1 is deprecated; kubelet configured to accept it"),
		step(95, cp, event.Failed, "failed to init node with kubeadm: command \"docker exec --privileged devstack-control-plane kubeadm init\" failed with error: exit status 1\n[kubelet-check] The kubelet is not healthy after 4m0s\nerror execution phase wait-control-plane: could not initialize a Kubernetes cluster"),
		event.Event{Time: at(95), Source: event.SourceRun, Name: "cluster", State: event.Failed, Message: "create cluster: failed to init node with kubeadm"},
	)
}
