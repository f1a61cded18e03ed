package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/devstack-dev/devstack/internal/sysfile"
)

// shownChange is one planned change to the machine, as osdns (DNS) and
// trust (the CA) plan them: a summary line, the exact commands or file
// steps that make it, and the lines it changes in a file.
type shownChange interface {
	String() string
	Steps() []string
	Diff() string
}

// printChanges shows a plan before it is applied (or instead, with dry):
// where, the notes, the changes that need root first, then every change
// with its steps and diff, so nothing goes through sudo unseen.
func printChanges[C shownChange](w io.Writer, where string, notes []string, all, root []C, dry bool) {
	fmt.Fprintln(w, where)
	for _, n := range notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if len(all) == 0 {
		fmt.Fprintln(w, "nothing to change")
		return
	}
	if len(root) > 0 {
		fmt.Fprintf(w, "these %d changes need root and go through sudo:\n", len(root))
		for _, c := range root {
			fmt.Fprintf(w, "  %s\n", c)
		}
		fmt.Fprintf(w, "(each is the sudo commands listed under it; %s is a copy of the new content in a private temporary directory)\n", sysfile.Staged)
	}
	if dry {
		fmt.Fprintln(w, "would change (dry run, nothing changed):")
	} else {
		fmt.Fprintln(w, "changing:")
	}
	for _, c := range all {
		fmt.Fprintf(w, "%s\n", c)
		for _, st := range c.Steps() {
			fmt.Fprintf(w, "    $ %s\n", st)
		}
		if d := c.Diff(); d != "" {
			for _, l := range strings.SplitAfter(strings.TrimSuffix(d, "\n"), "\n") {
				fmt.Fprintf(w, "    %s", l)
			}
			fmt.Fprintln(w)
		}
	}
}
