package tui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/devstack-dev/devstack/internal/event"
)

// group is a titled list of units: the doctor checks, the cluster steps,
// the DNS resolver, then one group per layer of components.
type group struct {
	title string
	units []*unit
	steps bool // rows of steps show their (long) name in full
}

func (m *model) groups() []group {
	var gs []group
	for _, src := range []struct {
		s     event.Source
		title string
	}{{event.SourceDoctor, "Checks"}, {event.SourceImages, "Images"}, {event.SourceCluster, "Cluster"}, {event.SourceDNS, "DNS"}, {event.SourceTLS, "TLS"}} {
		g := group{title: src.title, steps: true}
		for _, u := range m.tr.steps {
			if u.source == src.s {
				g.units = append(g.units, u)
			}
		}
		if len(g.units) > 0 {
			gs = append(gs, g)
		}
	}
	byLayer := map[int][]*unit{}
	for _, u := range m.tr.comps {
		byLayer[u.layer] = append(byLayer[u.layer], u)
	}
	layers := make([]int, 0, len(byLayer))
	for l := range byLayer {
		layers = append(layers, l)
	}
	sort.Ints(layers)
	for _, l := range layers {
		gs = append(gs, group{title: fmt.Sprintf("Layer %d", l), units: byLayer[l]})
	}
	return gs
}

// maxRowWidth keeps a row readable in a wide terminal: beyond it the
// elapsed column would drift away from the name it belongs to.
const maxRowWidth = 110

// How a group is drawn when space is short.
const (
	expanded  = iota // header and every unit
	folded           // header, one row for the finished units, the others
	collapsed        // the header alone
)

// row is one line of the body; weight says how much it matters that the
// user sees it (failed > active > waiting > the rest).
type row struct {
	text   string
	weight int
	group  int  // index of the group the row belongs to
	head   bool // the group's header
}

func weight(u *unit) int {
	switch {
	case u.state == event.Failed:
		return 100
	case u.active():
		return 10
	case u.state == event.Waiting, u.state == event.Blocked:
		return 1
	}
	return 0
}

func settled(g group) bool {
	for _, u := range g.units {
		if !u.ok() {
			return false
		}
	}
	return true
}

func readyCount(g group) int {
	n := 0
	for _, u := range g.units {
		if u.ok() {
			n++
		}
	}
	return n
}

// okCount counts the ready units of a group; a step that ended with a
// warning is done too.
func okCount(g group) int {
	n := 0
	for _, u := range g.units {
		if u.ok() || u.state == event.Warning {
			n++
		}
	}
	return n
}

// fitBody returns the rows of the body for height lines. When everything
// does not fit it first collapses finished groups, then folds the finished
// units of the others into one row each, then shows a window of the rows
// (the user's, or the one with the most failed and active rows) with a
// last line saying what is above and below.
func (m *model) fitBody(width, height int) []string {
	gs := m.groups()
	modes := make([]int, len(gs))
	// Each group is drawn at most once per mode: rows are the costly part.
	drawn := make([][3][]row, len(gs))
	build := func() []row {
		var rows []row
		for i, g := range gs {
			if drawn[i][modes[i]] == nil {
				drawn[i][modes[i]] = m.groupRows(g, modes[i], width)
			}
			for _, r := range drawn[i][modes[i]] {
				r.group = i
				rows = append(rows, r)
			}
		}
		return rows
	}
	rows := build()
	for i := 0; len(rows) > height && i < len(gs); i++ {
		if settled(gs[i]) {
			modes[i] = collapsed
			rows = build()
		}
	}
	for i := 0; len(rows) > height && i < len(gs); i++ {
		if modes[i] == expanded && readyCount(gs[i]) >= 2 {
			modes[i] = folded
			rows = build()
		}
	}
	if len(rows) <= height {
		m.lastOffset = 0
		if m.scroll >= 0 {
			m.scroll = 0
		}
		return texts(rows)
	}
	if height < 2 {
		return texts(rows[:max(height, 0)])
	}
	content := height - 1
	off := m.scroll
	if off < 0 {
		off = bestWindow(rows, content)
	} else {
		off = min(off, len(rows)-content)
		m.scroll = off
	}
	m.lastOffset = off
	out := texts(rows[off : off+content])
	if !rows[off].head {
		// Keep the title of the group the window starts in (a sticky
		// header); the row it hides counts as above, the header as shown.
		out[0] = truncate(m.groupHeader(gs[rows[off].group]), width)
	}
	below := len(rows) - off - content
	var parts []string
	if off > 0 {
		parts = append(parts, fmt.Sprintf("↑ %d more", off))
	}
	if below > 0 {
		parts = append(parts, fmt.Sprintf("↓ %d more", below))
	}
	hint := "  " + strings.Join(parts, " · ")
	switch {
	case m.finished:
		// The last frame stays in the scrollback: no keys to offer.
	case m.scroll >= 0:
		hint += "  (scrolled: End to follow)"
	default:
		hint += "  (↑/↓ to scroll)"
	}
	return append(out, m.st.dim.Render(truncate(hint, width)))
}

// bestWindow is the first offset of a window of n rows with the greatest
// summed weight: failed and active rows stay in sight.
func bestWindow(rows []row, n int) int {
	sum := 0
	for _, r := range rows[:n] {
		sum += r.weight
	}
	best, bestSum := 0, sum
	for off := 1; off+n <= len(rows); off++ {
		sum += rows[off+n-1].weight - rows[off-1].weight
		if sum > bestSum {
			best, bestSum = off, sum
		}
	}
	return best
}

func texts(rows []row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.text
	}
	return out
}

// groupRows draws one group in the given mode.
func (m *model) groupRows(g group, mode, width int) []row {
	head := m.groupHeader(g)
	if mode == collapsed {
		return []row{{text: truncate(head+" "+m.st.ok.Render("✓"), width), head: true}}
	}
	rows := []row{{text: truncate(head, width), head: true}}
	if mode == folded {
		var names []string
		for _, u := range g.units {
			if u.ok() {
				names = append(names, u.display)
			}
		}
		line := fmt.Sprintf("  %s %d %s: %s", m.st.ok.Render("✓"), len(names), doneWord(g), strings.Join(names, ", "))
		rows = append(rows, row{text: truncate(line, width)})
	}
	nameW := m.nameWidth(width)
	width = min(width, maxRowWidth)
	for _, u := range g.units {
		if mode == folded && u.ok() {
			continue
		}
		var text string
		if g.steps {
			text = m.stepRow(u, width)
		} else {
			text = m.compRow(u, nameW, width)
		}
		rows = append(rows, row{text: text, weight: weight(u)})
	}
	return rows
}

func (m *model) groupHeader(g group) string {
	return m.st.header.Render(g.title) + m.st.dim.Render(fmt.Sprintf(" · %d/%d %s", okCount(g), len(g.units), doneWord(g)))
}

func doneWord(g group) string {
	if g.steps {
		return "done"
	}
	return "ready"
}

// nameWidth is the width of the component name column: the longest name,
// within a third of the width.
func (m *model) nameWidth(width int) int {
	w := 4
	for _, u := range m.tr.comps {
		w = max(w, len([]rune(u.name)))
	}
	return min(w, max(8, width/3))
}
