package helm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ComponentError is an error of one component's install or uninstall: its
// message begins with the component's name ("postgresql: not ready
// after..."), and Unnamed gives the rest, for a report that names the
// component itself.
type ComponentError struct {
	Component string
	Err       error
}

func (e *ComponentError) Error() string { return e.Component + ": " + e.Err.Error() }
func (e *ComponentError) Unwrap() error { return e.Err }

// Unnamed is the error without the component's name.
func (e *ComponentError) Unnamed() error { return e.Err }

// failed names component in err's message.
func failed(component string, err error) error {
	return &ComponentError{Component: component, Err: err}
}

// WaitError reports a component whose resources did not become ready in
// time, or whose wait was cancelled: what it still waited for, and why,
// read from its pods.
type WaitError struct {
	Component string
	// Timeout is how long the component was given; zero when cancelled.
	Timeout time.Duration
	// Pending lists what was not ready ("deployment/grafana 0/1 ready").
	Pending []string
	// Reason explains the first failing resource ("pod/grafana-x: container
	// grafana: ImagePullBackOff: ..."), when the pods tell.
	Reason string
	// RolledBack is the revision restored after a failed upgrade (0: none).
	RolledBack int
	// Err is context.DeadlineExceeded, context.Canceled or a resource's own
	// failure (a Job that failed).
	Err error
}

// Error does not name the component: Apply returns it as a ComponentError.
func (e *WaitError) Error() string {
	var b strings.Builder
	switch {
	case errors.Is(e.Err, errCancelled):
		b.WriteString("cancelled while waiting for ")
	case e.Timeout > 0 && errors.Is(e.Err, errTimedOut):
		fmt.Fprintf(&b, "not ready after %s: waiting for ", e.Timeout)
	default:
		fmt.Fprintf(&b, "%v: waiting for ", e.Err)
	}
	b.WriteString(summarize(e.Pending, 3))
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.RolledBack > 0 {
		fmt.Fprintf(&b, " (rolled back to revision %d, which keeps serving)", e.RolledBack)
	}
	return b.String()
}

func (e *WaitError) Unwrap() error { return e.Err }

// errTimedOut and errCancelled tell the two ends of a wait apart; both wrap
// the matching context error so callers can use errors.Is with either.
var (
	errTimedOut  = fmt.Errorf("timed out: %w", context.DeadlineExceeded)
	errCancelled = fmt.Errorf("cancelled: %w", context.Canceled)
)

// summarize joins the first n items and says how many more there are.
func summarize(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
