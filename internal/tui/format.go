package tui

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// formatDuration is the compact duration used everywhere: 850ms, 12s,
// 1m02s, 1h05m. Sub-second precision only matters below a second.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// secretPattern finds "password: x", "token=x", `"apiKey":"x"` and the like
// in error texts (Helm echoes values in some template errors). The value is
// masked; the key stays so the message still makes sense.
var secretPattern = regexp.MustCompile(
	`(?i)((?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key)["']?\s*[:=]\s*["']?)([^\s"',;}\]]+)`)

// redact masks credential-looking values in s.
func redact(s string) string {
	return secretPattern.ReplaceAllString(s, "${1}***")
}

// clean makes text from the outside (error messages, pod reasons) safe to
// show: escape sequences and control characters go, tabs become spaces,
// credential-looking values are masked. Newlines stay.
func clean(s string) string {
	s = ansi.Strip(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t':
			return ' '
		case r == '\r', unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return redact(strings.TrimRight(s, "\n "))
}

// displayName drops emoji and joiners from a name (kind decorates its step
// names with them): terminals disagree about their width, which breaks the
// alignment of a live view.
func displayName(s string) string {
	return stripEmoji(clean(s))
}

// stripEmoji is displayName for text already cleaned.
func stripEmoji(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\u200d', r >= '\ufe00' && r <= '\ufe0f':
			return -1
		case r >= 0x1f000, r >= 0x2600 && r <= 0x27bf && r != '✓' && r != '✗':
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// firstLine returns the first non-empty line of s.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// lastLines wraps s to width and returns at most n of its last non-empty
// lines: the end of a Helm error or a pod's reason says what went wrong.
func lastLines(s string, width, n int) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimRight(l, " "); strings.TrimSpace(l) == "" {
			continue
		}
		lines = append(lines, strings.Split(ansi.Wrap(l, max(width, 10), " "), "\n")...)
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
