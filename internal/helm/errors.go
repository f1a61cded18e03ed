package helm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

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

func (e *WaitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", e.Component)
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
