package stack

import (
	"slices"
	"testing"
)

func TestPlanDerivesHostsURLsAndGraph(t *testing.T) {
	plan := func(port int) *Plan {
		return &Plan{Domain: "e2e.test", Cluster: Cluster{HTTPPort: port}, Components: []Planned{
			{Component: Component{Name: "ingress"}},
			{Component: Component{Name: "echo", DependsOn: []string{"ingress", "disabled"}, Hosts: []string{"echo.e2e.test", "www.e2e.test"}}},
			{Component: Component{Name: "mirror", DependsOn: []string{"echo"}, Hosts: []string{"echo.e2e.test"}}},
		}}
	}
	cases := []struct {
		port int
		urls []string
	}{
		{0, []string{"http://echo.e2e.test", "http://www.e2e.test"}},
		{80, []string{"http://echo.e2e.test", "http://www.e2e.test"}},
		{18080, []string{"http://echo.e2e.test:18080", "http://www.e2e.test:18080"}},
	}
	for _, tc := range cases {
		p := plan(tc.port)
		if got := p.URLs(); !slices.Equal(got, tc.urls) {
			t.Errorf("port %d: URLs %v, want %v", tc.port, got, tc.urls)
		}
		if got := p.Hosts(); !slices.Equal(got, []string{"echo.e2e.test", "www.e2e.test"}) {
			t.Errorf("hosts %v", got)
		}
	}
	g, err := plan(0).Graph()
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Deps("echo"); !slices.Equal(got, []string{"ingress"}) {
		t.Errorf("echo deps %v: a disabled dependency is not an edge", got)
	}
	if got := g.Topo(); !slices.Equal(got, []string{"ingress", "echo", "mirror"}) {
		t.Errorf("topo %v", got)
	}
}
