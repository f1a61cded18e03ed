package osdns

import (
	"fmt"
	"strings"
)

// String is a one-line summary: what, where, whether sudo, and why.
func (c Change) String() string {
	var s string
	switch c.Action {
	case Run:
		s = "run " + strings.Join(c.Command, " ")
	case Write:
		s = "write " + c.Path
		if c.Previous == nil {
			s = "create " + c.Path
		}
	default:
		s = string(c.Action) + " " + c.Path
	}
	if c.NeedsRoot {
		s += " (sudo)"
	}
	return s + ": " + c.Reason
}

// Diff shows the exact lines a file change removes (-) and adds (+), with
// a line of context around them; empty for commands.
func (c Change) Diff() string {
	if c.Action == Run {
		return ""
	}
	old := splitLines(string(c.Previous))
	var nw []string
	if c.Action == Write {
		nw = splitLines(string(c.Content))
	}
	pre := 0
	for pre < len(old) && pre < len(nw) && old[pre] == nw[pre] {
		pre++
	}
	suf := 0
	for suf < len(old)-pre && suf < len(nw)-pre && old[len(old)-1-suf] == nw[len(nw)-1-suf] {
		suf++
	}
	var b strings.Builder
	if pre > 0 {
		if pre > 1 {
			fmt.Fprintf(&b, "  ... %d unchanged lines\n", pre-1)
		}
		fmt.Fprintf(&b, "  %s\n", old[pre-1])
	}
	for _, l := range old[pre : len(old)-suf] {
		fmt.Fprintf(&b, "- %s\n", l)
	}
	for _, l := range nw[pre : len(nw)-suf] {
		fmt.Fprintf(&b, "+ %s\n", l)
	}
	if suf > 0 {
		fmt.Fprintf(&b, "  %s\n", old[len(old)-suf])
		if suf > 1 {
			fmt.Fprintf(&b, "  ... %d unchanged lines\n", suf-1)
		}
	}
	return b.String()
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
