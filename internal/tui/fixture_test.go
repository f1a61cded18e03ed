package tui

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// t0 is when every scripted run starts; events are offsets from it.
var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

// seedPlan is the stack of DESIGN.md: its components, edges, hosts and
// credential locations, with layers computed like the planner does.
func seedPlan() *stack.Plan {
	type c struct {
		name, hosts, creds string
		deps               []string
	}
	layer0 := []string{"traefik", "traefik-config", "localstack", "cnpg-operator", "external-secrets",
		"eso-config", "metrics-server", "cert-manager", "scylla-operator"}
	comps := []c{
		{name: "traefik", hosts: "traefik"},
		{name: "traefik-config", deps: []string{"traefik"}},
		{name: "localstack", hosts: "localstack"},
		{name: "cnpg-operator"},
		{name: "external-secrets"},
		{name: "eso-config", deps: []string{"external-secrets", "localstack"}},
		{name: "metrics-server"},
		{name: "cert-manager"},
		{name: "scylla-operator", deps: []string{"cert-manager"}},
		{name: "kube-prometheus-stack", hosts: "grafana,prometheus", deps: layer0,
			creds: "secret monitoring/kube-prometheus-stack-grafana (admin-user, admin-password)"},
		{name: "weave-gitops", hosts: "gitops", deps: layer0, creds: "secret flux-system/cluster-user-auth"},
		{name: "loki", deps: []string{"kube-prometheus-stack"}},
		{name: "promtail", deps: []string{"kube-prometheus-stack"}},
		{name: "jaeger", hosts: "jaeger", deps: []string{"kube-prometheus-stack"}},
		{name: "opentelemetry", deps: []string{"kube-prometheus-stack"}},
		{name: "scylla-manager", deps: []string{"scylla-operator"}},
		{name: "postgresql", deps: []string{"cnpg-operator"}, creds: "secret databases/postgresql-app"},
		{name: "redis", deps: []string{"external-secrets"}, creds: "secret databases/redis"},
		{name: "scylladb", deps: []string{"scylla-manager"}},
		{name: "n8n", hosts: "n8n", deps: []string{"postgresql", "redis"}},
		{name: "temporal", hosts: "temporal", deps: []string{"postgresql"}},
		{name: "pgadmin4", hosts: "pgadmin", deps: []string{"postgresql"}, creds: "secret databases/pgadmin4"},
		{name: "redisinsight", hosts: "redisinsight", deps: []string{"redis"}},
	}
	p := &stack.Plan{Profile: "dev", Domain: "local", Cluster: stack.Cluster{Name: "devstack", HTTPPort: 80}}
	layer := map[string]int{}
	for _, x := range comps {
		l := 0
		for _, d := range x.deps {
			l = max(l, layer[d]+1)
		}
		layer[x.name] = l
		pc := stack.Planned{Layer: l, Component: stack.Component{Name: x.name, DependsOn: x.deps, Credentials: x.creds}}
		if x.hosts != "" {
			for _, h := range splitComma(x.hosts) {
				pc.Hosts = append(pc.Hosts, h+".local")
			}
		}
		p.Components = append(p.Components, pc)
	}
	return p
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// bigPlan has n components in layers of ten, each depending on one
// component of the layer before.
func bigPlan(n int) *stack.Plan {
	p := &stack.Plan{Profile: "big", Domain: "local"}
	for i := range n {
		c := stack.Planned{Layer: i / 10, Component: stack.Component{Name: fmt.Sprintf("svc-%02d", i)}}
		if i >= 10 {
			c.DependsOn = []string{fmt.Sprintf("svc-%02d", i-10)}
		}
		p.Components = append(p.Components, c)
	}
	return p
}

// ev builds a component event at t0+sec.
func ev(sec float64, name string, st event.State, msg string) event.Event {
	return event.Event{Time: at(sec), Source: event.SourceComponent, Name: name, State: st, Message: msg}
}

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func step(sec float64, name string, st event.State, msg string) event.Event {
	return event.Event{Time: at(sec), Source: event.SourceCluster, Name: name, State: st, Message: msg}
}

// kindSteps are the cluster steps of a cold create, as kind names them.
var kindSteps = []string{
	"Ensuring node image (kindest/node:v1.35.0) 🖼",
	"Preparing nodes 📦",
	"Writing configuration 📜",
	"Starting control-plane 🕹️",
	"Installing CNI 🔌",
	"Installing StorageClass 💾",
}

// clusterOK is a cluster created in 60 seconds, ten per step.
func clusterOK() []event.Event {
	var es []event.Event
	for i, s := range kindSteps {
		es = append(es, step(float64(i*10), s, event.Running, ""),
			step(float64(i*10+10), s, event.Succeeded, ""))
	}
	return es
}

// asciiRenderer renders no colours, so that golden files hold plain text.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// newTestModel starts a teatest program on the model at width x height, with
// the clock stopped at t0+nowSec and no animation.
func newTestModel(t *testing.T, plan *stack.Plan, nowSec float64, cancel func(), width, height int) *teatest.TestModel {
	t.Helper()
	m := newModel(config{plan: plan, renderer: asciiRenderer(), now: func() time.Time { return at(nowSec) },
		start: t0, cancel: cancel})
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(width, height))
}

func sendAll(tm *teatest.TestModel, es []event.Event) {
	for _, e := range es {
		tm.Send(eventMsg(e))
	}
}
