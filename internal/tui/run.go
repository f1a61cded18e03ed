package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"golang.org/x/term"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Work is what `up` runs under a view: it reports through sink and returns
// when done, or soon after ctx is cancelled.
type Work func(ctx context.Context, sink event.Sink) error

// Options configure Run, RunPlain and RunJSON.
type Options struct {
	// Plan lists the components to show from the start, grouped by layer.
	Plan *stack.Plan
	// In and Out are the terminal (Run) or the output (RunPlain, RunJSON).
	In  io.Reader
	Out io.Writer
	// Now is the clock (time.Now when nil); tests pin it.
	Now func() time.Time
	// ProgramOptions are added to the bubbletea program's (tests).
	ProgramOptions []tea.ProgramOption
	// Interrupts are the process's Ctrl-C and SIGTERM while the live view
	// owns the terminal (Run): the first cancels the work, the second quits
	// at once, restoring the terminal. The caller owns the signals.
	Interrupts <-chan struct{}
}

// CancellingNotice is what every mode says on a first Ctrl-C.
const CancellingNotice = "cancelling; press Ctrl-C again to stop now"

// Result is the outcome of a run under a view.
type Result struct {
	Summary Summary
	// Events is every event the work emitted, stamped.
	Events []event.Event
	// Cancelled is true when the user (q, Ctrl-C) or a signal cancelled the run.
	Cancelled bool
}

// ErrNotReady is returned (wrapped) when the work returned no error but not
// everything requested is ready: the exit code must not be 0.
var ErrNotReady = errors.New("not everything requested is ready")

// Interactive reports whether the live view should be used on out: only
// when out is a terminal, NO_COLOR is unset or empty and TERM is not dumb.
func Interactive(out io.Writer, getenv func(string) string) bool {
	f, ok := out.(interface{ Fd() uintptr })
	return ok && term.IsTerminal(int(f.Fd())) && envAllowsView(getenv)
}

// envAllowsView is the environment's part of Interactive.
func envAllowsView(getenv func(string) string) bool {
	return getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}

// Run runs work under the interactive view on opts.In and opts.Out, then
// prints the summary below the final view. q, Ctrl-C and opts.Interrupts
// cancel the work's context and the view waits for the work to return, so
// the installs it ran stop cleanly; pressing q again quits without waiting.
// It returns the work's error, or one wrapping ErrNotReady when the work
// returned nil but the summary is not OK.
func Run(ctx context.Context, opts Options, work Work) (Result, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	out := opts.Out
	if out == nil {
		out = os.Stdout
	}
	r := lipgloss.NewRenderer(out)
	// Ask the terminal for its background now: asked lazily, from the first
	// render, the query would race the program's input reader for the reply.
	_ = r.HasDarkBackground()
	m := newModel(config{plan: opts.Plan, renderer: r, now: now,
		start: start, animate: true, cancel: cancel})
	popts := append([]tea.ProgramOption{tea.WithOutput(out), tea.WithoutSignalHandler()}, opts.ProgramOptions...)
	if opts.In != nil {
		popts = append(popts, tea.WithInput(opts.In))
	}
	p := tea.NewProgram(m, popts...)

	// Signals come through the caller rather than bubbletea so that they
	// cancel the work like q does instead of tearing the view down under it.
	stopSigs := make(chan struct{})
	defer close(stopSigs)
	go func() {
		parentDone := parent.Done()
		for {
			select {
			case <-opts.Interrupts:
				p.Send(interruptMsg{})
			case <-parentDone:
				parentDone = nil
				p.Send(cancelledMsg{})
			case <-stopSigs:
				return
			}
		}
	}()

	rec := &event.Recorder{}
	sink := event.SinkFunc(func(e event.Event) {
		e = event.Stamp(e)
		rec.Emit(e)
		p.Send(eventMsg(e))
	})
	workErr := make(chan error, 1)
	go func() {
		err := work(ctx, sink)
		workErr <- err
		p.Send(doneMsg{err: err})
	}()

	final, runErr := p.Run()
	fm, _ := final.(*model)
	var err error
	switch {
	case runErr != nil:
		// The view broke (not a terminal, killed): stop the work cleanly anyway.
		cancel()
		err = errors.Join(fmt.Errorf("progress view: %w", runErr), <-workErr)
	case fm != nil && fm.forced:
		err = fmt.Errorf("quit before the running work stopped: %w", context.Canceled)
	default:
		err = <-workErr
	}
	res := finish(opts.Plan, rec.Events(), now().Sub(start), ctx.Err() != nil)
	if werr := WriteSummary(out, res.Summary); werr != nil && err == nil {
		err = fmt.Errorf("write summary: %w", werr)
	}
	return res, outcome(res, err)
}

// RunPlain runs work printing one plain line per state change to opts.Out
// (see Plain), then the summary.
func RunPlain(ctx context.Context, opts Options, work Work) (Result, error) {
	p := NewPlain(opts.Out)
	return runWith(ctx, opts, p, work, func(s Summary) error { return WriteSummary(opts.Out, s) })
}

// RunJSON runs work printing every event as a JSON line to opts.Out (see
// JSON), then the summary as a last line {"summary": {...}}.
func RunJSON(ctx context.Context, opts Options, work Work) (Result, error) {
	j := NewJSON(opts.Out)
	return runWith(ctx, opts, j, work, j.writeSummary)
}

func runWith(ctx context.Context, opts Options, sink event.Sink, work Work, summary func(Summary) error) (Result, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	rec := &event.Recorder{}
	err := work(ctx, event.Tee(rec, sink))
	res := finish(opts.Plan, rec.Events(), now().Sub(start), ctx.Err() != nil)
	if werr := summary(res.Summary); werr != nil && err == nil {
		err = fmt.Errorf("write summary: %w", werr)
	}
	return res, outcome(res, err)
}

func finish(plan *stack.Plan, events []event.Event, total time.Duration, cancelled bool) Result {
	return Result{Summary: Summarize(plan, events, total), Events: events, Cancelled: cancelled}
}

// outcome makes sure a run that is not OK never ends without an error.
func outcome(res Result, err error) error {
	if err != nil || res.Summary.OK() {
		return err
	}
	return fmt.Errorf("%w: %s", ErrNotReady, res.Summary.tally())
}
