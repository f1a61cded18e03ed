package dag

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

// testDeadline bounds every wait of these tests: a scheduler that never
// starts a node fails the test with a message instead of hanging it.
const testDeadline = 30 * time.Second

// runWithin is Run that fails the test when it does not return in time.
func runWithin(t *testing.T, ctx context.Context, g *Graph, work Work, opts Options) *Report {
	t.Helper()
	done := make(chan *Report, 1)
	go func() { done <- Run(ctx, g, work, opts) }()
	select {
	case rep := <-done:
		return rep
	case <-time.After(testDeadline):
		t.Fatalf("Run did not return within %s", testDeadline)
		return nil
	}
}

// await waits for ch, failing the test (not hanging it) past the deadline.
func await[T any](t *testing.T, ch <-chan T, what string) {
	select {
	case <-ch:
	case <-time.After(testDeadline):
		t.Errorf("%s did not happen within %s", what, testDeadline)
	}
}

// stateOf returns the final state of each node from the report.
func stateOf(rep *Report) map[string]event.State {
	out := map[string]event.State{}
	for _, r := range rep.Results {
		out[r.Name] = r.State
	}
	return out
}

func TestRunStartsEachNodeWhenItsOwnDepsSucceed(t *testing.T) {
	// slow is independent of fast -> after; after must start long before
	// slow finishes: no waves.
	g := mustGraph(t, n("slow"), n("fast"), n("after", "fast"))
	release := make(chan struct{})
	var afterRanWhileSlowRunning atomic.Bool
	var slowDone atomic.Bool
	work := func(ctx context.Context, name string) (Outcome, error) {
		switch name {
		case "slow":
			await(t, release, "after starting while slow runs")
			slowDone.Store(true)
		case "after":
			afterRanWhileSlowRunning.Store(!slowDone.Load())
			close(release)
		}
		return Outcome{Message: "ok"}, nil
	}
	rep := runWithin(t, context.Background(), g, work, Options{})
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if !afterRanWhileSlowRunning.Load() {
		t.Fatal("after waited for the unrelated slow node")
	}
}

func TestRunFailureBlocksDependentsOnly(t *testing.T) {
	g := mustGraph(t,
		n("op"), n("db", "op"), n("app", "db"), n("ui", "app"),
		n("cache"), n("web", "cache"),
	)
	rec := &event.Recorder{}
	work := func(ctx context.Context, name string) (Outcome, error) {
		if name == "db" {
			return Outcome{}, errors.New("pod db-0: CrashLoopBackOff\nmore detail")
		}
		return Outcome{}, nil
	}
	rep := runWithin(t, context.Background(), g, work, Options{Sink: rec})
	want := map[string]event.State{
		"op": event.Succeeded, "db": event.Failed, "app": event.Blocked, "ui": event.Blocked,
		"cache": event.Succeeded, "web": event.Succeeded,
	}
	got := stateOf(rep)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	if b := rep.Get("ui"); b.BlockedBy != "db" || b.Message != "blocked by db: pod db-0: CrashLoopBackOff" {
		t.Errorf("ui blocked as %q by %q", b.Message, b.BlockedBy)
	}
	var runErr *RunError
	if err := rep.Err(); !errors.As(err, &runErr) || len(runErr.Failed) != 1 || len(runErr.Blocked) != 2 {
		t.Fatalf("Err = %v", err)
	}
	// Every node ends with exactly one terminal event.
	terminal := map[string]int{}
	for _, e := range rec.Events() {
		if e.State.Terminal() {
			terminal[e.Name]++
		}
	}
	for name := range want {
		if terminal[name] != 1 {
			t.Errorf("%s has %d terminal events", name, terminal[name])
		}
	}
}

func TestRunRespectsConcurrencyBound(t *testing.T) {
	var nodes []Node
	for i := 0; i < 40; i++ {
		nodes = append(nodes, n(string(rune('a'+i%26))+string(rune('a'+i/26))))
	}
	g := mustGraph(t, nodes...)
	var cur, peak atomic.Int32
	// The first works hold until three run at once, so the bound is
	// reached however slowly goroutines get scheduled; it must never be
	// exceeded.
	full := make(chan struct{})
	var fullOnce sync.Once
	work := func(ctx context.Context, name string) (Outcome, error) {
		v := cur.Add(1)
		for {
			p := peak.Load()
			if v <= p || peak.CompareAndSwap(p, v) {
				break
			}
		}
		if v == 3 {
			fullOnce.Do(func() { close(full) })
		}
		select {
		case <-full:
		case <-time.After(5 * time.Second):
		}
		time.Sleep(time.Millisecond)
		cur.Add(-1)
		return Outcome{}, nil
	}
	rep := runWithin(t, context.Background(), g, work, Options{Parallel: 3})
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != 3 {
		t.Fatalf("peak concurrency %d, want exactly 3", p)
	}
}

func TestRunCancellation(t *testing.T) {
	g := mustGraph(t, n("a"), n("b"), n("c", "a"), n("d", "c"))
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan string, 4)
	var sawCancel sync.Map
	work := func(ctx context.Context, name string) (Outcome, error) {
		started <- name
		if name == "b" {
			return Outcome{}, nil
		}
		await(t, ctx.Done(), "the cancellation of "+name)
		sawCancel.Store(name, true)
		return Outcome{}, ctx.Err()
	}
	go func() {
		await(t, started, "the first start")
		await(t, started, "the second start")
		cancel()
	}()
	rep := runWithin(t, ctx, g, work, Options{})
	got := stateOf(rep)
	if got["a"] != event.Cancelled || got["c"] != event.Cancelled || got["d"] != event.Cancelled {
		t.Fatalf("states after cancel: %v", got)
	}
	if got["b"] != event.Succeeded {
		t.Fatalf("b finished before the cancel and must stay succeeded: %v", got)
	}
	if _, ok := sawCancel.Load("a"); !ok {
		t.Fatal("running work did not receive the cancellation")
	}
	var runErr *RunError
	if !errors.As(rep.Err(), &runErr) || !runErr.OnlyCancelled() {
		t.Fatalf("Err = %v", rep.Err())
	}
}

func TestRunEventsDescribeWaiting(t *testing.T) {
	g := mustGraph(t, n("pg"), n("redis"), n("n8n", "pg", "redis"))
	rec := &event.Recorder{}
	// redis finishes only once the scheduler has recorded pg's result, so
	// n8n's waiting list shrinks in a known order.
	gate := make(chan struct{})
	sink := event.SinkFunc(func(e event.Event) {
		rec.Emit(e)
		if e.Name == "pg" && e.State.Terminal() {
			close(gate)
		}
	})
	work := func(ctx context.Context, name string) (Outcome, error) {
		switch name {
		case "redis":
			await(t, gate, "pg's result")
		case "pg":
			return Outcome{Unchanged: true, Message: "unchanged"}, nil
		}
		return Outcome{}, nil
	}
	runWithin(t, context.Background(), g, work, Options{Sink: sink})
	var waits [][]string
	var pgState event.State
	for _, e := range rec.Events() {
		if e.Name == "n8n" && e.State == event.Waiting {
			waits = append(waits, e.WaitingOn)
		}
		if e.Name == "pg" && e.State.Terminal() {
			pgState = e.State
		}
		if e.Name == "n8n" && e.Layer != 1 {
			t.Errorf("n8n event with layer %d", e.Layer)
		}
	}
	if len(waits) != 2 || len(waits[0]) != 2 || len(waits[1]) != 1 || waits[1][0] != "redis" {
		t.Fatalf("n8n waiting events: %v", waits)
	}
	if pgState != event.Skipped {
		t.Fatalf("unchanged work reported as %s", pgState)
	}
}

func TestRunRecoversPanics(t *testing.T) {
	g := mustGraph(t, n("a"), n("b", "a"))
	rep := runWithin(t, context.Background(), g, func(context.Context, string) (Outcome, error) { panic("boom") }, Options{})
	if got := stateOf(rep); got["a"] != event.Failed || got["b"] != event.Blocked {
		t.Fatalf("states: %v", got)
	}
}
