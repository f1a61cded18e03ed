package tui

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Summary is the outcome of a run, shown at its end in every mode.
// Durations are nanoseconds in JSON, like event.Event's elapsed.
type Summary struct {
	Profile string `json:"profile,omitempty"`
	// Components are the planned components in plan order, then any the
	// events named that the plan did not.
	Components []ComponentResult `json:"components"`
	// Steps are the cluster steps, DNS and doctor units and the run's phases
	// (source "run"), in order of appearance.
	Steps []StepResult `json:"steps,omitempty"`
	// URLs are http://<host> for every host of every ready component.
	URLs []string `json:"urls,omitempty"`
	// Credentials say where generated credentials live; never their values.
	Credentials []Credential  `json:"credentials,omitempty"`
	Total       time.Duration `json:"total"`
}

// ComponentResult is one component's final state.
type ComponentResult struct {
	Name     string        `json:"name"`
	Layer    int           `json:"layer"`
	State    event.State   `json:"state"`
	Duration time.Duration `json:"elapsed,omitempty"`
	// Detail is the short status: "blocked by postgresql", "failed: ...".
	Detail string `json:"detail,omitempty"`
	// Reason is the full message of a failure, cleaned for display.
	Reason string `json:"reason,omitempty"`
}

// StepResult is the final state of a cluster step, check or resolver.
type StepResult struct {
	Source   event.Source  `json:"source"`
	Name     string        `json:"name"`
	State    event.State   `json:"state"`
	Duration time.Duration `json:"elapsed,omitempty"`
	Message  string        `json:"message,omitempty"`
	Warning  string        `json:"warning,omitempty"`
}

// Credential says where a component's generated credentials are.
type Credential struct {
	Component string `json:"component"`
	Where     string `json:"where"`
}

// OK reports whether everything requested is ready: every planned
// component succeeded or was unchanged, and no cluster step, check or
// resolver failed or was cancelled.
func (s Summary) OK() bool {
	for _, c := range s.Components {
		if c.State != event.Succeeded && c.State != event.Skipped {
			return false
		}
	}
	for _, st := range s.Steps {
		if st.State == event.Failed || st.State == event.Cancelled {
			return false
		}
	}
	return true
}

// Summarize folds the events of a run into its Summary. total is the
// run's wall time.
func Summarize(plan *stack.Plan, events []event.Event, total time.Duration) Summary {
	t := newTracker(plan)
	for _, e := range events {
		t.apply(e)
	}
	s := Summary{Total: total}
	if plan != nil {
		s.Profile = plan.Profile
	}
	for _, u := range t.comps {
		r := ComponentResult{Name: u.name, Layer: u.layer, State: u.state,
			Duration: u.duration(t.last), Detail: clean(u.status(t.done))}
		if u.state == event.Failed {
			r.Reason = clean(u.message)
		}
		s.Components = append(s.Components, r)
		if !u.ok() || plan == nil {
			continue
		}
		if c, ok := plan.Component(u.name); ok {
			s.URLs = append(s.URLs, plan.ComponentURLs(c)...)
			if c.Credentials != "" {
				s.Credentials = append(s.Credentials, Credential{c.Name, clean(c.Credentials)})
			}
		}
	}
	for _, u := range t.steps {
		s.Steps = append(s.Steps, StepResult{Source: u.source, Name: u.name, State: u.state,
			Duration: u.duration(t.last), Message: clean(u.message), Warning: clean(u.warning)})
	}
	return s
}

// WriteSummary writes s for people: a table of components, the problems of
// the cluster steps, the URLs, the credentials' locations and the total.
// It writes plain text without escape sequences.
func WriteSummary(w io.Writer, s Summary) error {
	var b strings.Builder
	title := "Summary"
	if s.Profile != "" {
		title += " (profile " + s.Profile + ")"
	}
	b.WriteString("\n" + title + "\n")
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	for _, c := range s.Components {
		dur := "-"
		if c.Duration > 0 {
			dur = formatDuration(c.Duration)
		}
		detail := ""
		switch c.State {
		case event.Failed, event.Blocked, event.Waiting, event.Running, event.Progress:
			detail = ellipsis(strings.TrimPrefix(c.Detail, "failed: "), detailWidth)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", c.Name, stateWord(c.State), dur, detail)
	}
	_ = tw.Flush()
	for _, l := range strings.SplitAfter(table.String(), "\n") {
		b.WriteString(strings.TrimRight(l, " \n") + strings.Repeat("\n", strings.Count(l, "\n")))
	}
	for _, c := range s.Components {
		if c.State == event.Failed && (strings.Contains(c.Reason, "\n") || len([]rune(c.Reason)) > detailWidth) {
			fmt.Fprintf(&b, "\n  %s failed:\n", c.Name)
			for _, l := range lastLines(c.Reason, 200, 8) {
				b.WriteString("    " + l + "\n")
			}
		}
	}
	writeSteps(&b, s.Steps, s.componentFailed())
	if len(s.URLs) > 0 {
		b.WriteString("\nURLs\n")
		for _, u := range s.URLs {
			b.WriteString("  " + u + "\n")
		}
	}
	if len(s.Credentials) > 0 {
		b.WriteString("\nCredentials (generated; read them with these, devstack never prints them)\n")
		for _, c := range s.Credentials {
			fmt.Fprintf(&b, "  %s: %s\n", c.Component, c.Where)
		}
	}
	fmt.Fprintf(&b, "\nTotal %s: %s\n", formatDuration(s.Total), s.tally())
	_, err := io.WriteString(w, b.String())
	return err
}

// detailWidth bounds the detail column; longer reasons follow the table.
const detailWidth = 100

func ellipsis(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (s Summary) componentFailed() bool {
	for _, c := range s.Components {
		if c.State == event.Failed || c.State == event.Blocked {
			return true
		}
	}
	return false
}

// writeSteps writes one line for steps that went well and the details of
// those that did not. A failed phase of the run is only written when no
// component failure explains it already.
func writeSteps(b *strings.Builder, steps []StepResult, componentFailed bool) {
	if len(steps) == 0 {
		return
	}
	good, total := 0, 0
	var bad strings.Builder
	for _, st := range steps {
		if st.Source == event.SourceRun {
			// A phase of the run: only its failure says something new
			// (a preflight check or the connection to the cluster).
			if st.State == event.Failed && !componentFailed {
				fmt.Fprintf(&bad, "  %s failed: %s\n", st.Name, strings.Join(lastLines(st.Message, 200, 8), "\n    "))
			}
			continue
		}
		total++
		switch st.State {
		case event.Succeeded, event.Skipped, event.Warning:
			good++
		default:
			fmt.Fprintf(&bad, "  %s %q %s", st.Source, st.Name, stateWord(st.State))
			if st.Message != "" {
				fmt.Fprintf(&bad, ": %s", strings.Join(lastLines(st.Message, 200, 8), "\n    "))
			}
			bad.WriteString("\n")
		}
		if st.Warning != "" {
			fmt.Fprintf(&bad, "  warning: %s %q: %s\n", st.Source, st.Name, firstLine(st.Warning))
		}
	}
	if total > 0 {
		fmt.Fprintf(b, "\nSetup: %d of %d steps done\n", good, total)
	} else if bad.Len() > 0 {
		b.WriteString("\nSetup\n")
	}
	b.WriteString(bad.String())
}

// tally is the one-line count of the outcome: "20 of 23 ready (2
// unchanged), 1 failed, 2 blocked".
func (s Summary) tally() string {
	n := map[string]int{}
	var order []string
	ready, unchanged := 0, 0
	for _, c := range s.Components {
		switch c.State {
		case event.Succeeded:
			ready++
		case event.Skipped:
			ready++
			unchanged++
		default:
			w := stateWord(c.State)
			if n[w] == 0 {
				order = append(order, w)
			}
			n[w]++
		}
	}
	out := fmt.Sprintf("%d of %d ready", ready, len(s.Components))
	if unchanged > 0 {
		out += fmt.Sprintf(" (%d unchanged)", unchanged)
	}
	sort.SliceStable(order, func(i, j int) bool { return wordRank(order[i]) < wordRank(order[j]) })
	for _, w := range order {
		out += fmt.Sprintf(", %d %s", n[w], w)
	}
	return out
}

func wordRank(w string) int {
	for i, x := range []string{"failed", "blocked", "cancelled", "interrupted", "not started"} {
		if x == w {
			return i
		}
	}
	return 99
}

// stateWord is the word a person reads for the final state of a unit:
// whatever had not finished when the run ended did not start or was cut off.
func stateWord(s event.State) string {
	switch s {
	case event.Succeeded:
		return "ready"
	case event.Skipped:
		return "unchanged"
	case event.Pending, event.Waiting:
		return "not started"
	case event.Running, event.Progress:
		return "interrupted"
	}
	return string(s)
}
