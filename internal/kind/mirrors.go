package kind

import (
	"fmt"
	"net"
	"path"
	"sort"
	"strings"

	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// HostsTOML renders containerd's hosts.toml for one registry host: each
// mirror may pull and resolve, tried in order; the registry itself is the
// fallback when every mirror is down (server, named so that Docker Hub's
// API host is used). A local name (localhost:5001, the local registry) has
// no fallback: on a node it would name the node itself.
func HostsTOML(host string, endpoints []string) string {
	var b strings.Builder
	b.WriteString("# Written by devstack; `devstack up` rewrites it from the profile's registryMirrors and devstack's caches.\n")
	if s := serverFor(host); s != "" {
		fmt.Fprintf(&b, "server = %q\n", s)
	}
	for _, ep := range endpoints {
		fmt.Fprintf(&b, "\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", ep)
	}
	return b.String()
}

// serverFor is the upstream of a registry host as containerd reaches it
// without a mirror; "" for names local to the machine.
func serverFor(host string) string {
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	switch {
	case host == "docker.io":
		return "https://registry-1.docker.io"
	case name == "localhost" || name == "127.0.0.1" || name == "::1":
		return ""
	}
	return "https://" + host
}

// mirrorFiles returns the hosts.toml files for mirrors, by path in a node.
func mirrorFiles(mirrors map[string][]string) map[string]string {
	files := make(map[string]string, len(mirrors))
	for host, eps := range mirrors {
		files[path.Join(certsDir, host, "hosts.toml")] = HostsTOML(host, eps)
	}
	return files
}

// mirrorsEqual reports whether a and b configure the same mirrors.
func mirrorsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for h, eps := range a {
		other, ok := b[h]
		if !ok || strings.Join(eps, "\n") != strings.Join(other, "\n") {
			return false
		}
	}
	return true
}

// applyMirrors writes the wanted mirrors into every Kubernetes node and
// removes the ones a previous run wrote that are no longer wanted.
// containerd reads certsDir on each pull, so nothing is restarted.
func applyMirrors(all []nodes.Node, previous, wanted map[string][]string) error {
	internal, err := nodeutils.InternalNodes(all)
	if err != nil {
		return fmt.Errorf("listing the cluster's nodes: %w", err)
	}
	files := mirrorFiles(wanted)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, n := range internal {
		for host := range previous {
			if _, keep := wanted[host]; !keep {
				if err := n.Command("rm", "-rf", path.Join(certsDir, host)).Run(); err != nil {
					return fmt.Errorf("removing the %s mirror from node %s: %w", host, n, err)
				}
			}
		}
		for _, p := range paths {
			if err := nodeutils.WriteFile(n, p, files[p]); err != nil {
				return fmt.Errorf("writing %s in node %s: %w", p, n, err)
			}
		}
	}
	return nil
}
