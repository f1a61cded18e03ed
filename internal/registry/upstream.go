package registry

import (
	"fmt"
	"sort"
	"strings"
)

// Names of the containers and volumes devstack runs its registries in. The
// volumes carry the same names as the containers, so `docker volume ls`
// shows which is which.
const (
	cachePrefix = "devstack-cache-"
	// LocalName is the local registry's container and volume.
	LocalName = "devstack-registry"
	// containerPort is where distribution listens inside its container.
	containerPort = 5000
)

// Labels on devstack's registry containers, so status, reset --all and
// prune find them without a record in the state directory (which reset
// removes while the registries stay).
const (
	labelRole     = "dev.devstack.registry"
	labelUpstream = "dev.devstack.upstream"
	roleCache     = "cache"
	roleLocal     = "local"
)

// DefaultLocalPort is the local registry's port on the host, the port of
// kind's documented local registry (localhost:5001), which Tilt, Skaffold
// and ctlptl users already know.
const DefaultLocalPort = 5001

// Upstream is one registry the plan's images come from.
type Upstream struct {
	// Host is the registry's name in image references: "docker.io",
	// "ghcr.io", "registry.example.com:5000".
	Host string `json:"host"`
	// RemoteURL is the registry root the cache pulls from.
	RemoteURL string `json:"remoteURL"`
}

// UpstreamFor returns the upstream for an image reference's registry host.
// Docker Hub is served from registry-1.docker.io; plain-HTTP registries are
// only those listed in insecure (test registries, a registry on the LAN).
func UpstreamFor(host string, insecure []string) Upstream {
	scheme := "https"
	for _, h := range insecure {
		if h == host {
			scheme = "http"
		}
	}
	remote := host
	if host == "docker.io" {
		remote = "registry-1.docker.io"
	}
	return Upstream{Host: host, RemoteURL: scheme + "://" + remote}
}

// CacheName is the container (and volume) name of host's cache. Container
// names are DNS names on the engine's network, so ':' (a port) becomes '-'.
func CacheName(host string) string {
	return cachePrefix + strings.NewReplacer(":", "-", "/", "-").Replace(host)
}

// Endpoint is how the cluster's nodes reach a registry container.
func Endpoint(container string) string {
	return fmt.Sprintf("http://%s:%d", container, containerPort)
}

// LocalHost is the name the local registry has in image references, the
// same on the host (a published loopback port) and on the nodes (a mirror
// to the container).
func LocalHost(port int) string { return fmt.Sprintf("localhost:%d", port) }

// Mirrors are containerd's registry mirrors for the nodes: every upstream
// through its cache, and the local registry's name through its container.
func Mirrors(upstreams []Upstream, localPort int) map[string][]string {
	m := make(map[string][]string, len(upstreams)+1)
	for _, u := range upstreams {
		m[u.Host] = []string{Endpoint(CacheName(u.Host))}
	}
	if localPort > 0 {
		m[LocalHost(localPort)] = []string{Endpoint(LocalName)}
	}
	return m
}

// Hosts returns the sorted, distinct registry hosts of image references
// that are already normalised ("docker.io/library/redis:7").
func Hosts(refs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range refs {
		h, _, ok := strings.Cut(r, "/")
		if !ok || seen[h] || strings.HasPrefix(h, "localhost") {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}
