package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

// syncBuffer is a bytes.Buffer safe for the renderer's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replay is work that emits a scripted run and returns err.
func replay(es []event.Event, err error) Work {
	return func(_ context.Context, sink event.Sink) error {
		for _, e := range es {
			sink.Emit(e)
		}
		return err
	}
}

func TestRun(t *testing.T) {
	failing := seedScript()
	failing.fail = map[string]string{"postgresql": postgresFailure}
	workErr := errors.New("install: 1 failed, 3 blocked")
	cases := []struct {
		name    string
		work    Work
		wantErr error
		wantOK  bool
		wants   []string
	}{
		{"success", replay(seedScript().run(1e6), nil), nil, true,
			[]string{"Summary (profile dev)", "http://grafana.local", "23 of 23 ready"}},
		{"failure returns the work's error", replay(failing.run(1e6), workErr), workErr, false,
			[]string{"postgresql", "blocked by postgresql", "1 failed, 3 blocked"}},
		{"work without error but not ready", replay(seedScript().run(100), nil), ErrNotReady, false,
			[]string{"not started"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out syncBuffer
			res, err := Run(context.Background(), Options{Plan: seedPlan(), In: strings.NewReader(""), Out: &out}, tc.work)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if res.Summary.OK() != tc.wantOK {
				t.Errorf("OK() = %v, want %v", res.Summary.OK(), tc.wantOK)
			}
			if res.Cancelled {
				t.Error("Cancelled is true without a cancel")
			}
			if len(res.Events) == 0 {
				t.Error("no events recorded")
			}
			for _, w := range tc.wants {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// TestRunCancel presses q in a real program: the work's context is
// cancelled, Run waits for the work and reports the cancel.
func TestRunCancel(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	started := make(chan struct{})
	work := func(ctx context.Context, sink event.Sink) error {
		sink.Emit(ev(0, "traefik", event.Running, "installing chart"))
		close(started)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			return errors.New("never cancelled")
		}
		sink.Emit(ev(1, "traefik", event.Cancelled, "cancelled while running"))
		return ctx.Err()
	}
	go func() {
		<-started
		_, _ = inW.Write([]byte("q"))
	}()
	var out syncBuffer
	res, err := Run(context.Background(), Options{Plan: seedPlan(), In: inR, Out: &out}, work)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if !res.Cancelled || res.Summary.OK() {
		t.Errorf("Cancelled = %v, OK = %v; want true, false", res.Cancelled, res.Summary.OK())
	}
	if got := res.Summary.Components[0]; got.Name != "traefik" || got.State != event.Cancelled {
		t.Errorf("traefik ended %+v, want cancelled (the work's last event)", got)
	}
	if !strings.Contains(out.String(), "Summary") {
		t.Errorf("no summary after the view:\n%s", out.String())
	}
}

func TestRunPlain(t *testing.T) {
	var out bytes.Buffer
	res, err := RunPlain(context.Background(), Options{Plan: seedPlan(), Out: &out}, replay(seedScript().run(1e6), nil))
	if err != nil || !res.Summary.OK() {
		t.Fatalf("err = %v, OK = %v", err, res.Summary.OK())
	}
	s := out.String()
	if strings.Contains(s, "\x1b") {
		t.Error("plain output holds escape sequences")
	}
	for _, w := range []string{"component kube-prometheus-stack  succeeded 1m35s", "Summary (profile dev)", "http://grafana.local"} {
		if !strings.Contains(s, w) {
			t.Errorf("plain output lacks %q:\n%s", w, s)
		}
	}
}

func TestRunJSON(t *testing.T) {
	var out bytes.Buffer
	failing := seedScript()
	failing.fail = map[string]string{"postgresql": postgresFailure}
	_, err := RunJSON(context.Background(), Options{Plan: seedPlan(), Out: &out}, replay(failing.run(1e6), nil))
	if !errors.Is(err, ErrNotReady) {
		t.Errorf("err = %v, want ErrNotReady", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var last struct {
		Summary *Summary `json:"summary"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || last.Summary == nil {
		t.Fatalf("last line is not a summary (%v): %s", err, lines[len(lines)-1])
	}
	if last.Summary.OK() || len(last.Summary.Components) != 23 {
		t.Errorf("summary OK=%v with %d components", last.Summary.OK(), len(last.Summary.Components))
	}
	for i, l := range lines[:len(lines)-1] {
		var e event.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil || e.Source == "" {
			t.Fatalf("line %d is not an event (%v): %s", i+1, err, l)
		}
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Error("JSON output leaks a password")
	}
}

func TestInteractive(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	cases := []struct {
		name string
		env  func(string) string
		want bool
	}{
		{"xterm", env("TERM", "xterm-256color"), true},
		{"NO_COLOR", env("TERM", "xterm", "NO_COLOR", "1"), false},
		{"empty NO_COLOR is unset", env("TERM", "xterm", "NO_COLOR", ""), true},
		{"dumb", env("TERM", "dumb"), false},
	}
	for _, tc := range cases {
		if got := envAllowsView(tc.env); got != tc.want {
			t.Errorf("%s: envAllowsView = %v, want %v", tc.name, got, tc.want)
		}
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, out := range []io.Writer{w, &bytes.Buffer{}} {
		if Interactive(out, env("TERM", "xterm")) {
			t.Errorf("Interactive(%T) = true for something that is not a terminal", out)
		}
	}
}

// TestRunParentCancel: the caller's context ends (its own signal handling):
// the work sees it, Run waits for it and reports a cancel.
func TestRunParentCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	work := func(ctx context.Context, sink event.Sink) error {
		sink.Emit(ev(0, "traefik", event.Running, ""))
		cancel()
		<-ctx.Done()
		sink.Emit(ev(1, "traefik", event.Cancelled, "cancelled while running"))
		return ctx.Err()
	}
	var out syncBuffer
	res, err := Run(ctx, Options{Plan: seedPlan(), In: strings.NewReader(""), Out: &out}, work)
	if !errors.Is(err, context.Canceled) || !res.Cancelled {
		t.Errorf("err = %v, Cancelled = %v; want context.Canceled, true", err, res.Cancelled)
	}
}

// TestRunInterrupts: the first interrupt cancels the work and the view
// says how to stop now; the second quits at once, though the work has not
// returned (it is stuck, as an install ignoring its context would be).
func TestRunInterrupts(t *testing.T) {
	interrupts := make(chan struct{})
	var out syncBuffer
	stuck := make(chan struct{})
	defer close(stuck)
	work := func(ctx context.Context, sink event.Sink) error {
		sink.Emit(ev(0, "traefik", event.Running, ""))
		interrupts <- struct{}{}
		<-ctx.Done()
		// The second comes once the view has shown the first.
		for !strings.Contains(out.String(), CancellingNotice) {
			time.Sleep(10 * time.Millisecond)
		}
		interrupts <- struct{}{}
		<-stuck
		return ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Options{Plan: seedPlan(), In: strings.NewReader(""), Out: &out, Interrupts: interrupts}, work)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "quit before the running work stopped") {
			t.Errorf("err = %v", err)
		}
	case <-ctx.Done():
		t.Fatal("the second interrupt did not quit the view")
	}
}
