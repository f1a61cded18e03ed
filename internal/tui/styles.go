package tui

import "github.com/charmbracelet/lipgloss"

// styles are the few looks the view uses. They come from one renderer so
// that tests can pin the colour profile (Ascii: no escape sequences).
type styles struct {
	title, header, dim, ok, fail, warn, active, key lipgloss.Style
}

func newStyles(r *lipgloss.Renderer) styles {
	return styles{
		title:  r.NewStyle().Bold(true),
		header: r.NewStyle().Bold(true).Foreground(lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#B7A6FF"}),
		dim:    r.NewStyle().Faint(true),
		ok:     r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD787"}),
		fail:   r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#C0162B", Dark: "#FF5F5F"}).Bold(true),
		warn:   r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#A15C00", Dark: "#FFAF00"}),
		active: r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: "#005F87", Dark: "#5FD7FF"}),
		key:    r.NewStyle().Bold(true),
	}
}
