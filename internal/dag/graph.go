package dag

import (
	"fmt"
	"sort"
	"strings"
)

// Node is one vertex: a name and the names it depends on.
type Node struct {
	Name string
	Deps []string
}

// Graph is a validated, acyclic dependency graph.
type Graph struct {
	names      []string       // in input order
	index      map[string]int // name -> position in names
	deps       [][]int        // deps[i]: indexes node i depends on
	dependents [][]int        // dependents[i]: indexes that depend on node i
	topo       []int          // dependencies first, ties in input order
}

// DuplicateError reports a node defined twice.
type DuplicateError struct{ Name string }

func (e *DuplicateError) Error() string { return fmt.Sprintf("duplicate name %q", e.Name) }

// MissingDepError reports a dependency on a node that does not exist.
type MissingDepError struct{ Node, Dep string }

func (e *MissingDepError) Error() string {
	return fmt.Sprintf("%s depends on %q, which does not exist", e.Node, e.Dep)
}

// CycleError reports a dependency cycle; Path starts and ends with the
// same name, each depending on the next: a -> b -> c -> a.
type CycleError struct{ Path []string }

func (e *CycleError) Error() string {
	return "dependency cycle: " + strings.Join(e.Path, " -> ")
}

// New validates nodes and builds a Graph. Duplicate dependencies of one
// node are ignored; a node depending on itself is a cycle.
func New(nodes []Node) (*Graph, error) {
	g := &Graph{index: make(map[string]int, len(nodes))}
	for i, n := range nodes {
		if _, dup := g.index[n.Name]; dup {
			return nil, &DuplicateError{Name: n.Name}
		}
		g.index[n.Name] = i
		g.names = append(g.names, n.Name)
	}
	g.deps = make([][]int, len(nodes))
	g.dependents = make([][]int, len(nodes))
	for i, n := range nodes {
		seen := map[int]bool{}
		for _, d := range n.Deps {
			j, ok := g.index[d]
			if !ok {
				return nil, &MissingDepError{Node: n.Name, Dep: d}
			}
			if seen[j] {
				continue
			}
			seen[j] = true
			g.deps[i] = append(g.deps[i], j)
			g.dependents[j] = append(g.dependents[j], i)
		}
	}
	if cycle := g.findCycle(); cycle != nil {
		return nil, &CycleError{Path: cycle}
	}
	g.topo = g.sortTopo()
	return g, nil
}

// findCycle returns the first cycle found by depth-first search, as names
// along the "depends on" direction, or nil.
func (g *Graph) findCycle() []string {
	const (
		unvisited = iota
		onStack
		done
	)
	state := make([]int, len(g.names))
	var stack []int
	var found []string
	var visit func(i int) bool
	visit = func(i int) bool {
		state[i] = onStack
		stack = append(stack, i)
		for _, d := range g.deps[i] {
			switch state[d] {
			case onStack:
				start := len(stack) - 1
				for stack[start] != d {
					start--
				}
				for _, k := range stack[start:] {
					found = append(found, g.names[k])
				}
				found = append(found, g.names[d])
				return true
			case unvisited:
				if visit(d) {
					return true
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = done
		return false
	}
	for i := range g.names {
		if state[i] == unvisited && visit(i) {
			return found
		}
	}
	return nil
}

// sortTopo is Kahn's algorithm taking ready nodes in input order, so the
// order is stable and readable.
func (g *Graph) sortTopo() []int {
	remaining := make([]int, len(g.names))
	var ready []int
	for i := range g.names {
		remaining[i] = len(g.deps[i])
		if remaining[i] == 0 {
			ready = append(ready, i)
		}
	}
	order := make([]int, 0, len(g.names))
	for len(ready) > 0 {
		sort.Ints(ready)
		i := ready[0]
		ready = ready[1:]
		order = append(order, i)
		for _, d := range g.dependents[i] {
			remaining[d]--
			if remaining[d] == 0 {
				ready = append(ready, d)
			}
		}
	}
	return order
}

// Len is the number of nodes.
func (g *Graph) Len() int { return len(g.names) }

// Names returns the node names in input order.
func (g *Graph) Names() []string { return append([]string(nil), g.names...) }

// Has reports whether name is a node.
func (g *Graph) Has(name string) bool { _, ok := g.index[name]; return ok }

// Deps returns the direct dependencies of name.
func (g *Graph) Deps(name string) []string { return g.namesOf(g.deps[g.index[name]]) }

// Dependents returns the nodes that depend directly on name.
func (g *Graph) Dependents(name string) []string { return g.namesOf(g.dependents[g.index[name]]) }

func (g *Graph) namesOf(idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = g.names[i]
	}
	return out
}

// Topo returns the names with every node after all of its dependencies.
func (g *Graph) Topo() []string { return g.namesOf(g.topo) }

// Layers returns each node's layer: the length of its longest dependency
// chain, 0 for a node without dependencies.
func (g *Graph) Layers() map[string]int {
	layer := make([]int, len(g.names))
	for _, i := range g.topo {
		for _, d := range g.deps[i] {
			if layer[d]+1 > layer[i] {
				layer[i] = layer[d] + 1
			}
		}
	}
	out := make(map[string]int, len(g.names))
	for i, n := range g.names {
		out[n] = layer[i]
	}
	return out
}

// Levels groups the names by layer, the order a wave-based tool (helmfile's
// needs, Argo CD's sync waves) would run them in.
func (g *Graph) Levels() [][]string {
	layers := g.Layers()
	var levels [][]string
	for _, i := range g.topo {
		l := layers[g.names[i]]
		for len(levels) <= l {
			levels = append(levels, nil)
		}
		levels[l] = append(levels[l], g.names[i])
	}
	return levels
}

// CriticalPath returns the chain with the largest summed weight,
// dependencies first, and that sum.
func (g *Graph) CriticalPath(weight func(name string) float64) ([]string, float64) {
	if len(g.names) == 0 {
		return nil, 0
	}
	finish := make([]float64, len(g.names))
	prev := make([]int, len(g.names))
	best := -1
	for _, i := range g.topo {
		prev[i] = -1
		start := 0.0
		for _, d := range g.deps[i] {
			if finish[d] > start || (finish[d] == start && prev[i] == -1) {
				start, prev[i] = finish[d], d
			}
		}
		finish[i] = start + weight(g.names[i])
		if best == -1 || finish[i] > finish[best] {
			best = i
		}
	}
	var path []string
	for i := best; i != -1; i = prev[i] {
		path = append(path, g.names[i])
	}
	for l, r := 0, len(path)-1; l < r; l, r = l+1, r-1 {
		path[l], path[r] = path[r], path[l]
	}
	return path, finish[best]
}

// Closure returns the given names plus everything they transitively depend
// on, in topological order. Unknown names are reported as an error.
func (g *Graph) Closure(names []string) ([]string, error) {
	keep := make([]bool, len(g.names))
	var mark func(i int)
	mark = func(i int) {
		if keep[i] {
			return
		}
		keep[i] = true
		for _, d := range g.deps[i] {
			mark(d)
		}
	}
	for _, n := range names {
		i, ok := g.index[n]
		if !ok {
			return nil, fmt.Errorf("unknown component %q", n)
		}
		mark(i)
	}
	var out []string
	for _, i := range g.topo {
		if keep[i] {
			out = append(out, g.names[i])
		}
	}
	return out, nil
}

// Reverse returns the graph with every edge turned around: a node then
// waits for everything that depended on it, the order of an uninstall.
func (g *Graph) Reverse() *Graph {
	nodes := make([]Node, len(g.names))
	for i, n := range g.names {
		nodes[i] = Node{Name: n, Deps: g.namesOf(g.dependents[i])}
	}
	r, err := New(nodes)
	if err != nil {
		panic("dag: reversing a valid graph failed: " + err.Error())
	}
	return r
}
