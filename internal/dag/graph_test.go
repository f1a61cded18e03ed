package dag

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustGraph(t testing.TB, nodes ...Node) *Graph {
	t.Helper()
	g, err := New(nodes)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return g
}

func n(name string, deps ...string) Node { return Node{Name: name, Deps: deps} }

func TestNewRejectsBadGraphs(t *testing.T) {
	cases := []struct {
		name  string
		nodes []Node
		want  string
	}{
		{"duplicate", []Node{n("a"), n("a")}, `duplicate name "a"`},
		{"missing", []Node{n("a", "zz")}, `a depends on "zz", which does not exist`},
		{"self", []Node{n("a", "a")}, "dependency cycle: a -> a"},
		{"three", []Node{n("a", "c"), n("b", "a"), n("c", "b")}, "dependency cycle: a -> c -> b -> a"},
		{"cycle behind a chain", []Node{n("x"), n("a", "x", "b"), n("b", "a")}, "dependency cycle: a -> b -> a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.nodes)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	_, err := New([]Node{n("a", "b"), n("b", "a")})
	var ce *CycleError
	if !errors.As(err, &ce) || ce.Path[0] != ce.Path[len(ce.Path)-1] {
		t.Fatalf("want a *CycleError closing on itself, got %#v", err)
	}
}

func TestTopoLayersLevels(t *testing.T) {
	g := mustGraph(t, n("app", "db", "cache"), n("db", "op"), n("op"), n("cache"), n("ui", "db"))
	topo := g.Topo()
	pos := map[string]int{}
	for i, name := range topo {
		pos[name] = i
	}
	for _, name := range g.Names() {
		for _, d := range g.Deps(name) {
			if pos[d] > pos[name] {
				t.Errorf("%s comes before its dependency %s in %v", name, d, topo)
			}
		}
	}
	wantLayers := map[string]int{"op": 0, "cache": 0, "db": 1, "app": 2, "ui": 2}
	if got := g.Layers(); !reflect.DeepEqual(got, wantLayers) {
		t.Errorf("Layers = %v, want %v", got, wantLayers)
	}
	if got := g.Levels(); len(got) != 3 || len(got[0]) != 2 || len(got[2]) != 2 {
		t.Errorf("Levels = %v", got)
	}
}

func TestCriticalPath(t *testing.T) {
	g := mustGraph(t, n("a"), n("b"), n("c", "a"), n("d", "b"), n("e", "c", "d"))
	w := map[string]float64{"a": 1, "b": 10, "c": 1, "d": 1, "e": 5}
	path, total := g.CriticalPath(func(s string) float64 { return w[s] })
	if strings.Join(path, ",") != "b,d,e" || total != 16 {
		t.Fatalf("CriticalPath = %v %v, want b,d,e 16", path, total)
	}
}

func TestClosure(t *testing.T) {
	g := mustGraph(t, n("op"), n("db", "op"), n("app", "db"), n("other"))
	got, err := g.Closure([]string{"app"})
	if err != nil || strings.Join(got, ",") != "op,db,app" {
		t.Fatalf("Closure = %v %v", got, err)
	}
	if _, err := g.Closure([]string{"nope"}); err == nil {
		t.Fatal("unknown name accepted")
	}
}

func TestReverse(t *testing.T) {
	g := mustGraph(t, n("op"), n("db", "op"), n("app", "db"))
	r := g.Reverse()
	if strings.Join(r.Topo(), ",") != "app,db,op" {
		t.Fatalf("reverse topo = %v", r.Topo())
	}
}
