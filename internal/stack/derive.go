package stack

import (
	"slices"
	"strconv"

	"github.com/devstack-dev/devstack/internal/dag"
)

// What every command derives from a plan, derived here once: the hosts the
// DNS serves, the URLs people open and the graph the installs follow.

// Hosts are the ingress hosts of every component, in plan order, each once.
func (p *Plan) Hosts() []string {
	var hosts []string
	for _, c := range p.Components {
		for _, h := range c.Hosts {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	return hosts
}

// URL is the browsable address of a host, with the cluster's HTTP port
// when it is not 80: http://echo.e2e.test:18080.
func (p *Plan) URL(host string) string {
	if port := p.Cluster.HTTPPort; port != 0 && port != 80 {
		host += ":" + strconv.Itoa(port)
	}
	return "http://" + host
}

// URLs are the URLs of Hosts.
func (p *Plan) URLs() []string {
	var urls []string
	for _, h := range p.Hosts() {
		urls = append(urls, p.URL(h))
	}
	return urls
}

// ComponentURLs are the URLs of one component's hosts.
func (p *Plan) ComponentURLs(c Planned) []string {
	var urls []string
	for _, h := range c.Hosts {
		urls = append(urls, p.URL(h))
	}
	return urls
}

// Graph is the plan's dependency graph. A dependency on a disabled
// component is not an edge: the plan does not install it.
func (p *Plan) Graph() (*dag.Graph, error) {
	in := make(map[string]bool, len(p.Components))
	for _, c := range p.Components {
		in[c.Name] = true
	}
	nodes := make([]dag.Node, 0, len(p.Components))
	for _, c := range p.Components {
		var deps []string
		for _, d := range c.DependsOn {
			if in[d] {
				deps = append(deps, d)
			}
		}
		nodes = append(nodes, dag.Node{Name: c.Name, Deps: deps})
	}
	return dag.New(nodes)
}
