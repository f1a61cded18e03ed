package dag

import (
	"fmt"
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

// Result is the final state of one node.
type Result struct {
	Name      string
	State     event.State
	Message   string
	Err       error
	BlockedBy string
	Start     time.Time
	End       time.Time
}

// Duration is how long the node ran, zero when it never started.
func (r *Result) Duration() time.Duration {
	if r.Start.IsZero() {
		return 0
	}
	return r.End.Sub(r.Start)
}

// Report is the outcome of a run, one Result per node in topological order.
type Report struct {
	Results []*Result
	byName  map[string]*Result
}

// Get returns the result of name, or nil.
func (r *Report) Get(name string) *Result { return r.byName[name] }

// Err is nil when every node succeeded (or was unchanged); otherwise a
// *RunError naming what failed, was blocked or was cancelled.
func (r *Report) Err() error {
	var e RunError
	for _, res := range r.Results {
		switch res.State {
		case event.Failed:
			e.Failed = append(e.Failed, res)
		case event.Blocked:
			e.Blocked = append(e.Blocked, res.Name)
		case event.Cancelled:
			e.Cancelled = append(e.Cancelled, res.Name)
		}
	}
	if len(e.Failed)+len(e.Blocked)+len(e.Cancelled) == 0 {
		return nil
	}
	return &e
}

// RunError summarises an unsuccessful run.
type RunError struct {
	Failed    []*Result
	Blocked   []string
	Cancelled []string
}

func (e *RunError) Error() string {
	var parts []string
	for _, f := range e.Failed {
		parts = append(parts, fmt.Sprintf("%s failed: %v", f.Name, f.Err))
	}
	if len(e.Blocked) > 0 {
		parts = append(parts, "blocked: "+strings.Join(e.Blocked, ", "))
	}
	if len(e.Cancelled) > 0 {
		parts = append(parts, "cancelled: "+strings.Join(e.Cancelled, ", "))
	}
	return strings.Join(parts, "; ")
}

// Unwrap exposes the failed nodes' errors, so that a caller sees what kind
// of failure it was (errors.As): a node refused as bad input keeps its exit
// code 2 through the run.
func (e *RunError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failed))
	for _, f := range e.Failed {
		errs = append(errs, f.Err)
	}
	return errs
}

// OnlyCancelled reports whether the run stopped because it was cancelled
// rather than because something failed.
func (e *RunError) OnlyCancelled() bool { return len(e.Failed) == 0 && len(e.Cancelled) > 0 }
