package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

// Status is a check's verdict.
type Status string

// The verdicts.
const (
	OK   Status = "ok"
	Warn Status = "warn"
	Fail Status = "fail"
)

// Result is what one check found.
type Result struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	// Fix says what to do about a warn or fail.
	Fix string `json:"fix,omitempty"`
}

// Check is one unit of the diagnosis.
type Check struct {
	Name string
	Run  func(ctx context.Context) Result
}

// Report is the outcome of Run.
type Report struct {
	Results []Result `json:"results"`
}

// Failed returns the failing results.
func (r Report) Failed() []Result {
	var fs []Result
	for _, res := range r.Results {
		if res.Status == Fail {
			fs = append(fs, res)
		}
	}
	return fs
}

// FailedError is returned by Report.Err when a check failed.
type FailedError struct{ Failed []Result }

func (e *FailedError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, f := range e.Failed {
		parts[i] = f.Name + ": " + f.Message
		if f.Fix != "" {
			parts[i] += " (" + f.Fix + ")"
		}
	}
	return "the machine is not ready: " + strings.Join(parts, "; ")
}

// Err is a *FailedError when any check failed, else nil.
func (r Report) Err() error {
	if fs := r.Failed(); len(fs) > 0 {
		return &FailedError{Failed: fs}
	}
	return nil
}

// Run runs the checks in order and reports each to sink as an event of
// Source doctor: ok as succeeded, warn as warning, fail as failed, the fix
// appended to the message. It stops early only when ctx ends.
func Run(ctx context.Context, checks []Check, sink event.Sink) (Report, error) {
	if sink == nil {
		sink = event.Discard
	}
	var rep Report
	for _, c := range checks {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		start := time.Now()
		res := c.Run(ctx)
		if res.Name == "" {
			res.Name = c.Name
		}
		rep.Results = append(rep.Results, res)
		sink.Emit(event.Stamp(event.Event{
			Source: event.SourceDoctor, Name: res.Name, State: stateOf(res.Status),
			Message: withFix(res), Elapsed: time.Since(start),
		}))
	}
	return rep, nil
}

func stateOf(s Status) event.State {
	switch s {
	case OK:
		return event.Succeeded
	case Warn:
		return event.Warning
	}
	return event.Failed
}

func withFix(r Result) string {
	if r.Fix == "" || r.Status == OK {
		return r.Message
	}
	return fmt.Sprintf("%s; fix: %s", r.Message, r.Fix)
}
