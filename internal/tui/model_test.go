package tui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/devstack-dev/devstack/internal/event"
)

// finalView waits for the program to end and returns the model's last view.
func finalView(t *testing.T, tm *teatest.TestModel) (*model, string) {
	t.Helper()
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*model)
	if !ok {
		t.Fatal("final model is not a *model")
	}
	v := fm.View()
	if strings.Contains(v, "\x1b") {
		t.Errorf("view holds escape sequences under the Ascii profile:\n%q", v)
	}
	return fm, v
}

// requireFits fails when a view is wider or taller than the terminal.
func requireFits(t *testing.T, v string, width, height int) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) > height {
		t.Errorf("view has %d lines, terminal %d", len(lines), height)
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > width {
			t.Errorf("line %d is %d cells wide, terminal %d: %q", i+1, n, width, l)
		}
	}
}

func requireContains(t *testing.T, v string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(v, w) {
			t.Errorf("view lacks %q:\n%s", w, v)
		}
	}
}

// TestViewGolden drives the model with scripted event sequences and
// compares the last view with testdata/TestViewGolden/<case>.golden (run
// with -update to rewrite them, then read them).
func TestViewGolden(t *testing.T) {
	seed := seedScript()
	failing := seedScript()
	failing.fail = map[string]string{"postgresql": postgresFailure}
	unchanged := seedScript()
	unchanged.skip = map[string]bool{"traefik": true, "cert-manager": true, "localstack": true}
	manyFail := script{plan: bigPlan(60), fail: map[string]string{}}
	for _, n := range []string{"svc-03", "svc-05", "svc-11", "svc-17", "svc-22", "svc-28", "svc-31", "svc-39"} {
		manyFail.fail[n] = "install " + n + ": timed out waiting for the condition\npod " + n + "-0: ErrImagePull"
	}
	big := script{plan: bigPlan(60), fail: map[string]string{"svc-23": "pod svc-23-0: ImagePullBackOff"}}

	cases := []struct {
		name          string
		s             script
		until, now    float64
		width, height int
		done          bool
		err           error
		keys          string
		wants         []string
	}{
		{name: "success-80x24", s: seed, until: 1e6, now: 500, width: 80, height: 24, done: true,
			wants: []string{"done", "23/23 ready", "Layer 3", "scylladb"}},
		{name: "success-160x40", s: seed, until: 1e6, now: 500, width: 160, height: 40, done: true,
			wants: []string{"done", "23/23 ready"}},
		{name: "running-80x24", s: seed, until: 200, now: 200, width: 80, height: 24,
			wants: []string{"kube-prometheus-stack", "waiting for deployment/", "waiting on"}},
		{name: "running-160x40", s: seed, until: 200, now: 200, width: 160, height: 40,
			wants: []string{"! memory · 6 GiB free", "waiting on kube-prometheus-stack"}},
		{name: "running-log-80x24", s: seed, until: 200, now: 200, width: 80, height: 24, keys: "l",
			wants: []string{"event log", "component"}},
		{name: "running-log-160x40", s: seed, until: 200, now: 200, width: 160, height: 40, keys: "l",
			wants: []string{"event log", "│"}},
		{name: "help-80x24", s: seed, until: 100, now: 100, width: 80, height: 24, keys: "?",
			wants: []string{"Keys", "next `devstack up` resumes"}},
		{name: "unchanged-80x24", s: unchanged, until: 1e6, now: 500, width: 80, height: 24, done: true,
			wants: []string{"done"}},
		{name: "failure-80x24", s: failing, until: 1e6, now: 500, width: 80, height: 24, done: true,
			err:   errors.New("1 component failed"),
			wants: []string{"failed", "✗ postgresql", "password=***", "blocked by postgresql", "CrashLoopBackOff"}},
		{name: "failure-160x40", s: failing, until: 1e6, now: 500, width: 160, height: 40, done: true,
			err:   errors.New("1 component failed"),
			wants: []string{"✗ postgresql", "blocked by postgresql"}},
		{name: "connect-failure-80x24", s: script{plan: seedPlan(), events: connectFailure}, until: 1e6, now: 75,
			width: 80, height: 24, done: true, err: errors.New("connect: refused"),
			wants: []string{"✗ connect", "connection refused", "not started"}},
		{name: "many-failures-80x24", s: manyFail, until: 1e6, now: 300, width: 80, height: 24, done: true,
			wants: []string{"Failures", "more failed"}},
		{name: "cluster-failure-80x24", s: script{plan: seedPlan(), events: clusterFailure}, until: 1e6, now: 95,
			width: 80, height: 24, done: true, err: errors.New("cluster: create cluster"),
			wants: []string{"✗ Starting control-plane", "could not initialize a Kubernetes", "not started"}},
		{name: "sixty-80x24", s: big, until: 150, now: 150, width: 80, height: 24,
			wants: []string{"✗ svc-23", "svc-33", "svc-43", "↓"}},
		{name: "sixty-160x40", s: big, until: 150, now: 150, width: 160, height: 40,
			wants: []string{"✗ svc-23", "svc-43", "ImagePullBackOff"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tm := newTestModel(t, tc.s.plan, tc.now, nil, tc.width, tc.height)
			sendAll(tm, tc.s.run(tc.until))
			tm.Type(tc.keys)
			if tc.done {
				tm.Send(doneMsg{err: tc.err})
			} else {
				_ = tm.Quit()
			}
			_, v := finalView(t, tm)
			requireFits(t, v, tc.width, tc.height)
			requireContains(t, v, tc.wants...)
			if strings.Contains(v, "hunter2") {
				t.Error("a secret leaked into the view")
			}
			teatest.RequireEqualOutput(t, []byte(v+"\n"))
		})
	}
}

// TestCancel presses q: the work's context is cancelled, the view says so
// and keeps running until the work returns.
func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := seedScript()
	tm := newTestModel(t, s.plan, 130, cancel, 80, 24)
	sendAll(tm, s.run(130))
	tm.Type("q")
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("cancelling")) },
		teatest.WithDuration(5*time.Second))
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("q did not cancel the work's context")
	}
	// The engine answers the cancel: what ran is cancelled, what waited is too.
	var active []string
	for _, e := range s.run(130) {
		if e.Source == event.SourceComponent && e.State == event.Running {
			active = append(active, e.Name)
		}
	}
	for _, e := range s.run(130) {
		if e.State.Terminal() {
			active = remove(active, e.Name)
		}
	}
	if len(active) == 0 {
		t.Fatal("the script has nothing running at 130s")
	}
	for _, name := range active {
		tm.Send(eventMsg(ev(131, name, event.Cancelled, "context canceled")))
	}
	tm.Send(doneMsg{err: context.Canceled})
	fm, v := finalView(t, tm)
	if !fm.cancelling || fm.forced {
		t.Errorf("cancelling=%v forced=%v, want a clean cancel", fm.cancelling, fm.forced)
	}
	requireFits(t, v, 80, 24)
	requireContains(t, v, "cancelled")
	teatest.RequireEqualOutput(t, []byte(v+"\n"))
}

func remove(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// TestCancelTwiceQuits: a second q quits without waiting for the work.
func TestCancelTwiceQuits(t *testing.T) {
	cancelled := 0
	tm := newTestModel(t, seedPlan(), 10, func() { cancelled++ }, 80, 24)
	tm.Type("q")
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	fm, _ := finalView(t, tm)
	if !fm.forced || fm.finished || cancelled != 1 {
		t.Errorf("forced=%v finished=%v cancel calls=%d, want true false 1", fm.forced, fm.finished, cancelled)
	}
}

// TestScrollKeys: the user scrolls away from the active rows and back.
func TestScrollKeys(t *testing.T) {
	s := script{plan: bigPlan(60), fail: map[string]string{"svc-23": "ImagePullBackOff"}}
	cases := []struct {
		name      string
		keys      []tea.KeyMsg
		want      []string
		wantNot   []string
		wantFirst string
	}{
		{name: "follow", want: []string{"svc-43", "✗ svc-23"}},
		{name: "home", keys: []tea.KeyMsg{{Type: tea.KeyHome}}, want: []string{"Cluster", "(scrolled"}},
		{name: "home-then-end", keys: []tea.KeyMsg{{Type: tea.KeyHome}, {Type: tea.KeyEnd}},
			want: []string{"svc-43", "(↑/↓ to scroll)"}},
		{name: "down", keys: []tea.KeyMsg{{Type: tea.KeyHome}, {Type: tea.KeyDown}, {Type: tea.KeyDown}},
			want: []string{"↑ 2 more"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tm := newTestModel(t, s.plan, 150, nil, 80, 24)
			sendAll(tm, s.run(150))
			for _, k := range tc.keys {
				tm.Send(k)
			}
			_ = tm.Quit()
			_, v := finalView(t, tm)
			requireFits(t, v, 80, 24)
			requireContains(t, v, tc.want...)
		})
	}
}

// TestCallerCancelThenSignal: one Ctrl-C reaches both the caller's context
// (cancelledMsg) and the view's signal handler (interruptMsg), in either
// order; it must not count as the second press that quits without waiting.
func TestCallerCancelThenSignal(t *testing.T) {
	cancelled := 0
	tm := newTestModel(t, seedPlan(), 10, func() { cancelled++ }, 80, 24)
	tm.Send(cancelledMsg{})
	tm.Send(interruptMsg{})
	tm.Send(doneMsg{err: context.Canceled})
	fm, v := finalView(t, tm)
	if fm.forced || !fm.finished || !fm.cancelling || cancelled != 1 {
		t.Errorf("forced=%v finished=%v cancelling=%v cancel calls=%d; want false true true 1",
			fm.forced, fm.finished, fm.cancelling, cancelled)
	}
	requireContains(t, v, "cancelled")
}
