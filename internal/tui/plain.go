package tui

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/devstack-dev/devstack/internal/event"
)

// Plain is an event.Sink that writes one line per state change: time,
// source, name, state, elapsed time of finished work, and the message. It
// writes no escape sequences, so its output suits pipes, CI logs, NO_COLOR
// and TERM=dumb. A repeated progress message is not repeated; the
// continuation lines of a multi-line message (a Helm error) are indented.
type Plain struct {
	mu sync.Mutex
	w  io.Writer
	t  *tracker
	// TimeLayout formats the timestamps (time.TimeOnly unless set).
	TimeLayout string
}

// NewPlain returns a Plain writing to w.
func NewPlain(w io.Writer) *Plain {
	return &Plain{w: w, t: newTracker(nil), TimeLayout: "15:04:05"}
}

// Emit writes e when it changes what is known of its unit. Write errors
// are ignored: progress output must never stop the work.
func (p *Plain) Emit(e event.Event) {
	e = event.Stamp(e)
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.t.apply(e) {
		return
	}
	_, _ = io.WriteString(p.w, formatLine(e, p.TimeLayout, plainNameWidth, true))
}

// plainNameWidth is the name column of plain lines: most component names
// fit; longer names (cluster steps) push the rest of their line right.
const plainNameWidth = 22

// formatLine renders e as one plain line ending in a newline. With full,
// the further lines of a multi-line message follow, indented; without, only
// its first line is kept (the log pane).
func formatLine(e event.Event, layout string, nameW int, full bool) string {
	msg := clean(e.Message)
	if msg == "" {
		switch {
		case e.State == event.Waiting && len(e.WaitingOn) > 0:
			msg = "waiting on " + strings.Join(e.WaitingOn, ", ")
		case e.State == event.Blocked && e.BlockedBy != "":
			msg = "blocked by " + e.BlockedBy
		}
	}
	first, rest, _ := strings.Cut(msg, "\n")
	cols := []string{
		e.Time.Format(layout),
		fmt.Sprintf("%-9s", e.Source),
		fmt.Sprintf("%-*s", nameW, clean(e.Name)),
		fmt.Sprintf("%-9s", e.State),
	}
	if e.State.Terminal() && e.Elapsed > 0 {
		cols = append(cols, fmt.Sprintf("%-6s", formatDuration(e.Elapsed)))
	}
	cols = append(cols, first)
	line := strings.TrimRight(strings.Join(cols, " "), " ") + "\n"
	if full && rest != "" {
		for _, l := range strings.Split(rest, "\n") {
			if strings.TrimSpace(l) != "" {
				line += "    " + strings.TrimRight(l, " ") + "\n"
			}
		}
	}
	return line
}
