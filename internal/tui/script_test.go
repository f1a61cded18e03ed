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
}

// events returns the run's events up to and including second until,
// sorted by time. Dependents of a failure are blocked when it fails.
func (s script) events(until float64) []event.Event {
	es := append([]event.Event(nil), clusterOK()...)
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
