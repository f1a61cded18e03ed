package tui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

func TestSummaryOK(t *testing.T) {
	plan := &stack.Plan{Components: []stack.Planned{
		{Component: stack.Component{Name: "a"}}, {Component: stack.Component{Name: "b"}, Layer: 1},
	}}
	done := func(name string, st event.State) event.Event { return ev(10, name, st, "") }
	cases := []struct {
		name   string
		events []event.Event
		want   bool
	}{
		{"all ready", []event.Event{done("a", event.Succeeded), done("b", event.Succeeded)}, true},
		{"unchanged counts as ready", []event.Event{done("a", event.Skipped), done("b", event.Succeeded)}, true},
		{"one never started", []event.Event{done("a", event.Succeeded)}, false},
		{"one still waiting", []event.Event{done("a", event.Succeeded), done("b", event.Waiting)}, false},
		{"one failed", []event.Event{done("a", event.Failed), done("b", event.Blocked)}, false},
		{"one cancelled", []event.Event{done("a", event.Succeeded), done("b", event.Cancelled)}, false},
		{"a cluster step failed", []event.Event{done("a", event.Succeeded), done("b", event.Succeeded),
			step(1, "Starting control-plane", event.Failed, "kubeadm init failed")}, false},
		{"a run phase failed", []event.Event{done("a", event.Succeeded), done("b", event.Succeeded),
			{Time: at(20), Source: event.SourceRun, Name: "dns", State: event.Failed, Message: "port in use"}}, false},
		{"a warning is not a failure", []event.Event{done("a", event.Succeeded), done("b", event.Succeeded),
			{Time: at(20), Source: event.SourceDoctor, Name: "memory", State: event.Warning, Message: "low"}}, true},
		{"progress after success changes nothing", []event.Event{done("a", event.Succeeded), done("b", event.Succeeded),
			ev(11, "b", event.Warning, "slow")}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summarize(plan, tc.events, time.Minute).OK(); got != tc.want {
				t.Errorf("OK() = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestWriteSummary checks the end-of-run text of a successful and a
// failed run of the seed stack against golden files.
func TestWriteSummary(t *testing.T) {
	failing := seedScript()
	failing.fail = map[string]string{"postgresql": postgresFailure}
	unchanged := seedScript()
	unchanged.skip = map[string]bool{"traefik": true}
	cases := []struct {
		name  string
		s     script
		ok    bool
		wants []string
	}{
		{"success", unchanged, true, []string{"http://grafana.local", "http://n8n.local", "pgadmin4: secret databases/pgadmin4",
			"Total 8m20s: 23 of 23 ready (1 unchanged)"}},
		{"failure", failing, false, []string{"postgresql", "blocked by postgresql", "CrashLoopBackOff",
			"19 of 23 ready, 1 failed, 3 blocked"}},
		{"connect", script{plan: seedPlan(), events: connectFailure}, false, []string{"connect failed", "connection refused", "23 not started"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Summarize(tc.s.plan, tc.s.run(1e6), 500*time.Second)
			if s.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v", s.OK(), tc.ok)
			}
			var b bytes.Buffer
			if err := WriteSummary(&b, s); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, w := range tc.wants {
				if !strings.Contains(out, w) {
					t.Errorf("summary lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "hunter2") || strings.Contains(out, "\x1b") {
				t.Errorf("summary leaks a secret or an escape sequence:\n%s", out)
			}
			golden.RequireEqual(t, b.Bytes())
		})
	}
}
