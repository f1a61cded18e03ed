package dag

import (
	"container/heap"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

// DefaultParallel is how many nodes run at once unless Options say otherwise.
const DefaultParallel = 8

// Outcome is what a successful unit of work reports.
type Outcome struct {
	// Unchanged marks work that found nothing to do (a converged release).
	Unchanged bool
	// Message is a short note for people: "installed 1.2.3", "unchanged".
	Message string
}

// Work does the job of one node. It must return soon after ctx is
// cancelled.
type Work func(ctx context.Context, name string) (Outcome, error)

// Options tune a run.
type Options struct {
	// Parallel bounds how many nodes run at once (DefaultParallel when <= 0).
	Parallel int
	// Sink receives every change of state (event.Discard when nil).
	Sink event.Sink
	// Weight is a node's expected duration. When more nodes are ready than
	// may run, those with the longest weighted path ahead of them start
	// first, which keeps the makespan near the critical path. Nil: all 1.
	Weight func(name string) float64
	// Source is the event source (event.SourceComponent when empty).
	Source event.Source
}

type completion struct {
	node    int
	outcome Outcome
	err     error
	end     time.Time
}

// Run executes work for every node of g, each as soon as all of its
// dependencies succeeded, at most opts.Parallel at once. A failed node
// blocks its transitive dependents while independent branches run on.
// Cancelling ctx stops new starts and cancels running work; nodes that
// never ran are reported cancelled. Run returns when nothing runs.
func Run(ctx context.Context, g *Graph, work Work, opts Options) *Report {
	s := newScheduler(g, work, opts)
	return s.run(ctx)
}

type scheduler struct {
	g        *Graph
	work     Work
	sink     event.Sink
	source   event.Source
	parallel int
	layers   map[string]int
	priority []float64 // longest weighted path from a node to the end

	results   []*Result
	remaining []int // dependencies not yet succeeded
	ready     readyQueue
	running   int
	done      chan completion
}

func newScheduler(g *Graph, work Work, opts Options) *scheduler {
	s := &scheduler{
		g:         g,
		work:      work,
		sink:      opts.Sink,
		source:    opts.Source,
		parallel:  opts.Parallel,
		layers:    g.Layers(),
		results:   make([]*Result, g.Len()),
		remaining: make([]int, g.Len()),
		done:      make(chan completion),
	}
	if s.sink == nil {
		s.sink = event.Discard
	}
	if s.source == "" {
		s.source = event.SourceComponent
	}
	if s.parallel <= 0 {
		s.parallel = DefaultParallel
	}
	weight := opts.Weight
	if weight == nil {
		weight = func(string) float64 { return 1 }
	}
	s.priority = make([]float64, g.Len())
	for k := len(g.topo) - 1; k >= 0; k-- {
		i := g.topo[k]
		tail := 0.0
		for _, d := range g.dependents[i] {
			if s.priority[d] > tail {
				tail = s.priority[d]
			}
		}
		s.priority[i] = weight(g.names[i]) + tail
	}
	s.ready.priority = s.priority
	return s
}

func (s *scheduler) emit(i int, state event.State, msg string, mod func(*event.Event)) {
	e := event.Event{
		Time:    time.Now(),
		Source:  s.source,
		Name:    s.g.names[i],
		State:   state,
		Message: msg,
		Layer:   s.layers[s.g.names[i]],
	}
	if mod != nil {
		mod(&e)
	}
	s.sink.Emit(e)
}

// waitingOn lists the dependencies of i that have not succeeded yet.
func (s *scheduler) waitingOn(i int) []string {
	var out []string
	for _, d := range s.g.deps[i] {
		if st := s.results[d].State; st != event.Succeeded && st != event.Skipped {
			out = append(out, s.g.names[d])
		}
	}
	return out
}

func (s *scheduler) run(ctx context.Context) *Report {
	for _, i := range s.g.topo {
		s.results[i] = &Result{Name: s.g.names[i], State: event.Pending}
		s.remaining[i] = len(s.g.deps[i])
	}
	for _, i := range s.g.topo {
		if s.remaining[i] == 0 {
			s.emit(i, event.Pending, "", nil)
			heap.Push(&s.ready, i)
			continue
		}
		deps := s.waitingOn(i)
		s.results[i].State = event.Waiting
		s.emit(i, event.Waiting, "waiting on "+strings.Join(deps, ", "), func(e *event.Event) { e.WaitingOn = deps })
	}

	workCtx, cancelWork := context.WithCancel(ctx)
	defer cancelWork()
	queuedNoted := make([]bool, s.g.Len())
	for {
		for ctx.Err() == nil && s.running < s.parallel && s.ready.Len() > 0 {
			s.start(workCtx, heap.Pop(&s.ready).(int))
		}
		if ctx.Err() == nil {
			for _, i := range s.ready.items {
				if !queuedNoted[i] {
					queuedNoted[i] = true
					s.emit(i, event.Waiting, fmt.Sprintf("queued: %d running (limit %d)", s.running, s.parallel), nil)
				}
			}
		}
		if s.running == 0 {
			break
		}
		select {
		case c := <-s.done:
			s.finish(ctx, c)
		case <-ctx.Done():
			// Running work sees the cancellation through workCtx; wait
			// for it to return so nothing is left running behind us.
			cancelWork()
			c := <-s.done
			s.finish(ctx, c)
		}
	}
	for _, i := range s.g.topo {
		if r := s.results[i]; !r.State.Terminal() {
			r.State = event.Cancelled
			r.Message = "not started: the run was cancelled"
			s.emit(i, event.Cancelled, r.Message, nil)
		}
	}
	rep := &Report{byName: make(map[string]*Result, s.g.Len())}
	for _, i := range s.g.topo {
		rep.Results = append(rep.Results, s.results[i])
		rep.byName[s.g.names[i]] = s.results[i]
	}
	return rep
}

func (s *scheduler) start(ctx context.Context, i int) {
	r := s.results[i]
	r.State = event.Running
	r.Start = time.Now()
	s.running++
	s.emit(i, event.Running, "", nil)
	go func() {
		out, err := s.call(ctx, i)
		s.done <- completion{node: i, outcome: out, err: err, end: time.Now()}
	}()
}

// call runs the work, turning a panic into an error so that one broken
// node cannot take the whole run down.
func (s *scheduler) call(ctx context.Context, i int) (out Outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return s.work(ctx, s.g.names[i])
}

func (s *scheduler) finish(ctx context.Context, c completion) {
	s.running--
	i := c.node
	r := s.results[i]
	r.End = c.end
	elapsed := func(e *event.Event) { e.Elapsed = r.End.Sub(r.Start) }
	switch {
	case c.err == nil:
		r.State, r.Message = event.Succeeded, c.outcome.Message
		if c.outcome.Unchanged {
			r.State = event.Skipped
		}
		s.emit(i, r.State, r.Message, elapsed)
		s.release(i)
	case ctx.Err() != nil:
		r.State, r.Err, r.Message = event.Cancelled, c.err, "cancelled while running"
		s.emit(i, event.Cancelled, r.Message, elapsed)
	default:
		r.State, r.Err, r.Message = event.Failed, c.err, c.err.Error()
		s.emit(i, event.Failed, r.Message, elapsed)
		s.block(i, i)
	}
}

// release counts a success towards each dependent and readies those whose
// dependencies have all succeeded.
func (s *scheduler) release(i int) {
	for _, d := range s.g.dependents[i] {
		s.remaining[d]--
		if s.remaining[d] == 0 {
			s.results[d].State = event.Pending
			heap.Push(&s.ready, d)
			continue
		}
		deps := s.waitingOn(d)
		s.emit(d, event.Waiting, "waiting on "+strings.Join(deps, ", "), func(e *event.Event) { e.WaitingOn = deps })
	}
}

// block marks every transitive dependent of i blocked by the failure of
// root. None of them can have started: a dependency of theirs failed.
func (s *scheduler) block(i, root int) {
	reason := firstLine(s.results[root].Message)
	for _, d := range s.g.dependents[i] {
		r := s.results[d]
		if r.State.Terminal() {
			continue
		}
		r.State = event.Blocked
		r.BlockedBy = s.g.names[root]
		r.Message = fmt.Sprintf("blocked by %s: %s", s.g.names[root], reason)
		s.emit(d, event.Blocked, r.Message, func(e *event.Event) { e.BlockedBy = r.BlockedBy })
		s.block(d, root)
	}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// readyQueue orders ready nodes by descending priority, ties by input order.
type readyQueue struct {
	items    []int
	priority []float64
}

func (q *readyQueue) Len() int { return len(q.items) }
func (q *readyQueue) Less(a, b int) bool {
	pa, pb := q.priority[q.items[a]], q.priority[q.items[b]]
	if pa != pb {
		return pa > pb
	}
	return q.items[a] < q.items[b]
}
func (q *readyQueue) Swap(a, b int) { q.items[a], q.items[b] = q.items[b], q.items[a] }
func (q *readyQueue) Push(x any)    { q.items = append(q.items, x.(int)) }
func (q *readyQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}
