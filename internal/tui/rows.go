package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/devstack-dev/devstack/internal/event"
)

// icon is the one-cell mark of a unit's state.
func (m *model) icon(u *unit) string {
	switch u.state {
	case event.Running, event.Progress:
		return m.spin.View()
	case event.Succeeded, event.Skipped:
		return m.st.ok.Render("✓")
	case event.Failed:
		return m.st.fail.Render("✗")
	case event.Blocked:
		return m.st.warn.Render("⊘")
	case event.Cancelled:
		return m.st.warn.Render("-")
	case event.Waiting:
		return m.st.dim.Render("…")
	case event.Warning:
		return m.st.warn.Render("!")
	}
	return m.st.dim.Render("·")
}

// statusText is a unit's status, coloured and cut to width.
func (m *model) statusText(u *unit, width int) string {
	if m.finished && !u.state.Terminal() && u.state != event.Warning {
		// The work returned without finishing this unit (cancel, failure
		// of the cluster): say so instead of what it last waited for.
		word := "not started"
		if u.active() {
			word = "interrupted"
		}
		return m.st.warn.Render(truncate(word, width))
	}
	s := truncate(stripEmoji(u.status(m.tr.done)), width)
	if u.warning != "" && !u.state.Terminal() && u.state != event.Warning {
		s = truncate(stripEmoji(u.status(m.tr.done))+" · ! "+stripEmoji(firstLine(u.warning)), width)
	}
	switch u.state {
	case event.Succeeded, event.Skipped:
		return m.st.ok.Render(s)
	case event.Failed:
		return m.st.fail.Render(s)
	case event.Blocked, event.Cancelled, event.Warning:
		return m.st.warn.Render(s)
	case event.Running, event.Progress:
		return m.st.active.Render(s)
	}
	return m.st.dim.Render(s)
}

func (m *model) elapsedText(u *unit) string {
	d := u.duration(m.cfg.now())
	if d <= 0 && !u.active() {
		return ""
	}
	return formatDuration(d)
}

// compRow: "  ✓ traefik      ready             12s".
func (m *model) compRow(u *unit, nameW, width int) string {
	const elapsedW = 6
	statusW := max(width-2-2-nameW-1-1-elapsedW, 5)
	name := pad(truncate(u.display, nameW), nameW)
	status := m.statusText(u, statusW)
	el := m.st.dim.Render(fmt.Sprintf("%*s", elapsedW, m.elapsedText(u)))
	return truncate("  "+m.icon(u)+" "+name+" "+pad(status, statusW)+" "+el, width)
}

// stepRow: "  ✓ Ensuring node image (kindest/node:v1.35.0)       8s"; a step's
// message shows after its name while it runs or when it failed.
func (m *model) stepRow(u *unit, width int) string {
	const elapsedW = 6
	textW := max(width-2-2-1-elapsedW, 5)
	text := u.display
	if !u.ok() && (u.message != "" || u.warning != "") {
		text = truncate(text, textW)
		rest := max(textW-ansi.StringWidth(text)-3, 0)
		if rest > 0 {
			text += " · " + m.statusText(u, rest)
		}
	}
	el := m.st.dim.Render(fmt.Sprintf("%*s", elapsedW, m.elapsedText(u)))
	return truncate("  "+m.icon(u)+" "+pad(truncate(text, textW), textW)+" "+el, width)
}

// truncate cuts s (which may hold styles) to width cells.
func truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// pad fills s (which may hold styles) with spaces to width cells.
func pad(s string, width int) string {
	if n := width - ansi.StringWidth(s); n > 0 {
		return s + strings.Repeat(" ", n)
	}
	return s
}
