package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/devstack-dev/devstack/internal/event"
)

// sideLogWidth is the terminal width from which the log pane goes beside
// the list instead of below it.
const sideLogWidth = 140

// View renders the whole screen, never wider or taller than the terminal.
func (m *model) View() string {
	w, h := max(m.width, 20), max(m.height, 6)
	if !m.showLog || w < sideLogWidth {
		// Past maxRowWidth the columns would drift apart.
		w = min(w, maxRowWidth)
	}
	top := []string{m.titleLine(w), m.progressLine(w), ""}
	footer := m.footer(w)
	avail := max(h-len(top)-len(footer), 3)

	var mid []string
	switch {
	case m.showHelp && !m.finished:
		mid = m.helpLines(w, avail)
	case m.showLog && w >= sideLogWidth:
		logW := w * 2 / 5
		left := m.main(w-logW-3, avail)
		right := m.logLines(logW, avail)
		for i := range avail {
			l, r := "", ""
			if i < len(left) {
				l = left[i]
			}
			if i < len(right) {
				r = right[i]
			}
			mid = append(mid, pad(l, w-logW-3)+m.st.dim.Render(" │ ")+r)
		}
	case m.showLog:
		logH := max(4, avail/3)
		mid = append(m.main(w, avail-logH), m.logLines(w, logH)...)
	default:
		mid = m.main(w, avail)
	}
	lines := append(append(top, mid...), footer...)
	if len(lines) > h {
		lines = lines[:h]
	}
	return strings.Join(lines, "\n")
}

// main is the body (steps and components) followed by the failures, in
// height lines at most.
func (m *model) main(width, height int) []string {
	fails := m.failureLines(width, max(3, height/3))
	body := m.fitBody(width, max(height-len(fails), 2))
	return append(body, fails...)
}

func (m *model) titleLine(w int) string {
	left := m.st.title.Render("devstack up")
	if m.cfg.plan != nil && m.cfg.plan.Profile != "" {
		left += m.st.dim.Render(" · profile " + m.cfg.plan.Profile)
	}
	c := m.tr.counts()
	switch {
	case m.finished && m.cancelling:
		left += " · " + m.st.warn.Render("cancelled")
	case m.finished && (m.err != nil || c.failed > 0 || c.ok < c.total || m.stepFailed()):
		left += " · " + m.st.fail.Render("failed")
	case m.finished:
		left += " · " + m.st.ok.Render("done")
	case m.cancelling:
		left += " · " + m.st.warn.Render("cancelling…")
	default:
		if p := m.phase(); p != "" {
			left += m.st.dim.Render(" · " + p)
		}
	}
	right := "elapsed " + formatDuration(m.elapsed())
	return truncate(left+strings.Repeat(" ", max(1, w-ansi.StringWidth(left)-len(right)))+right, w)
}

// phase is the name of the run's phase in progress (cluster, install...).
func (m *model) phase() string {
	for i := len(m.tr.steps) - 1; i >= 0; i-- {
		if u := m.tr.steps[i]; u.source == event.SourceRun && u.active() {
			return u.display
		}
	}
	return ""
}

func (m *model) stepFailed() bool {
	for _, u := range m.tr.steps {
		if u.state == event.Failed {
			return true
		}
	}
	return false
}

func (m *model) progressLine(w int) string {
	c := m.tr.counts()
	text := fmt.Sprintf("%d/%d ready", c.ok, c.total)
	parts := []struct {
		n    int
		word string
	}{{c.active, "running"}, {c.waiting, "waiting"}, {c.failed, "failed"}, {c.blocked, "blocked"}, {c.cancelled, "cancelled"}}
	if m.finished {
		parts[0].word = "interrupted"
		parts[1] = struct {
			n    int
			word string
		}{c.total - c.done - c.active, "not started"}
	}
	for _, p := range parts {
		if p.n > 0 {
			text += fmt.Sprintf(" · %d %s", p.n, p.word)
		}
	}
	pct := 0.0
	if c.total > 0 {
		pct = float64(c.done) / float64(c.total)
	}
	m.bar.Width = min(50, max(10, w-len([]rune(text))-1))
	return truncate(m.bar.ViewAs(pct)+" "+text, w)
}

func (m *model) footer(w int) []string {
	if m.finished {
		return nil
	}
	k := m.st.key.Render
	text := k("q") + " cancel · " + k("l") + " log · " + k("?") + " help · " + k("↑↓") + " scroll"
	if m.cancelling {
		// The same words as the plain and JSON modes print on a first Ctrl-C.
		text = m.st.warn.Render(CancellingNotice)
	}
	return []string{truncate(text, w)}
}

// failureLines shows every failed step or component with the last lines of
// its reason, within budget lines.
func (m *model) failureLines(width, budget int) []string {
	var failed, phases []*unit
	for _, u := range append(append([]*unit(nil), m.tr.steps...), m.tr.comps...) {
		switch {
		case u.state != event.Failed:
		case u.source == event.SourceRun:
			phases = append(phases, u)
		default:
			failed = append(failed, u)
		}
	}
	if len(failed) == 0 {
		// A failed phase of the run (preflight, connecting to the cluster)
		// is the only explanation when no step or component failed.
		failed = phases
	}
	if len(failed) == 0 {
		return nil
	}
	out := []string{m.st.fail.Render("Failures")}
	budget--
	per := 0
	if len(failed) <= budget/2 {
		per = min(4, (budget-len(failed))/len(failed))
	}
	for i, u := range failed {
		left := budget - (len(out) - 1)
		if left <= 0 || (i < len(failed)-1 && left == 1) {
			out = append(out, m.st.dim.Render(truncate(fmt.Sprintf("  +%d more failed: see the summary or press l", len(failed)-i), width)))
			break
		}
		head := fmt.Sprintf("%s %s", m.st.fail.Render("✗"), u.display)
		if d := u.duration(m.cfg.now()); d > 0 {
			head += m.st.dim.Render(" after " + formatDuration(d))
		}
		out = append(out, truncate(head, width))
		n := min(per, left-1)
		if n <= 0 {
			continue
		}
		for _, l := range lastLines(u.message, width-4, n) {
			out = append(out, truncate("  "+m.st.dim.Render("│")+" "+l, width))
		}
	}
	return out
}

func (m *model) logLines(width, height int) []string {
	out := []string{m.st.dim.Render(truncate("── event log "+strings.Repeat("─", width), width))}
	n := height - 1
	from := max(0, len(m.log)-n)
	for _, l := range m.log[from:] {
		out = append(out, truncate(l, width))
	}
	return out
}

func (m *model) helpLines(width, height int) []string {
	k := m.st.key.Render
	lines := []string{
		m.st.header.Render("Keys"),
		"  " + k("q") + ", " + k("ctrl+c") + "   cancel: running installs are told to stop and",
		"               the state stays consistent; the next `devstack up` resumes.",
		"               Press again to quit without waiting.",
		"  " + k("l") + "           show or hide the event log",
		"  " + k("↑ ↓ k j") + "     scroll the list; " + k("PgUp PgDn Home") + " too",
		"  " + k("End") + ", " + k("f") + "      follow the active and failed components again",
		"  " + k("?") + ", " + k("esc") + "      close this help",
		"",
		m.st.header.Render("States"),
		"  " + m.st.dim.Render("·") + " pending    " + m.st.dim.Render("…") + " waiting on its dependencies",
		"  " + m.spin.View() + " installing or waiting for its workloads to be ready",
		"  " + m.st.ok.Render("✓") + " ready or unchanged (release already up to date)",
		"  " + m.st.fail.Render("✗") + " failed     " + m.st.warn.Render("⊘") + " blocked by a failed dependency",
	}
	for i := range lines {
		lines[i] = truncate(lines[i], width)
	}
	if len(lines) > height {
		lines = lines[:height]
	}
	return lines
}
