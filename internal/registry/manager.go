package registry

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/enginecli"
	"github.com/devstack-dev/devstack/internal/event"
)

// DefaultImage is the CNCF distribution registry's official image, major
// version 3 (proxy configuration and storage layout are stable within it).
// DEVSTACK_REGISTRY_IMAGE overrides it (the e2e lane builds its own).
const DefaultImage = "docker.io/library/registry:3"

// EnvImage overrides DefaultImage.
const EnvImage = "DEVSTACK_REGISTRY_IMAGE"

// envKindNetwork is the variable kind reads for the network of its nodes.
const envKindNetwork = "KIND_EXPERIMENTAL_DOCKER_NETWORK"

// readyTimeout bounds the wait for a started registry to answer /v2/.
const readyTimeout = 30 * time.Second

// Options configure a Manager; zero values are the defaults.
type Options struct {
	Engine Engine
	// Image is the registry image; zero: $DEVSTACK_REGISTRY_IMAGE, else DefaultImage.
	Image string
	// Network is the engine network of the kind nodes; zero: kind's own
	// choice ($KIND_EXPERIMENTAL_DOCKER_NETWORK, else "kind").
	Network string
	// LocalPort is the local registry's loopback port; zero: DefaultLocalPort,
	// negative: no local registry.
	LocalPort int
	// Insecure lists upstream hosts served over plain HTTP.
	Insecure []string
	// Credentials finds the user's login for an upstream; zero: DockerCredentials.
	Credentials func(ctx context.Context, host string) (*Credentials, error)
	Sink        event.Sink
}

// Manager runs devstack's registries.
type Manager struct {
	opts Options
	// ready waits until a registry answers on its loopback address; replaced in tests.
	ready func(ctx context.Context, addr string) error
}

// New returns a Manager with the defaults filled in.
func New(opts Options) *Manager {
	if opts.Engine.Binary == "" {
		opts.Engine.Binary = "docker"
	}
	if opts.Image == "" {
		opts.Image = firstNonEmpty(os.Getenv(EnvImage), DefaultImage)
	}
	if opts.Network == "" {
		opts.Network = firstNonEmpty(os.Getenv(envKindNetwork), "kind")
	}
	if opts.LocalPort == 0 {
		opts.LocalPort = DefaultLocalPort
	}
	if opts.Credentials == nil {
		opts.Credentials = DockerCredentials
	}
	if opts.Sink == nil {
		opts.Sink = event.Discard
	}
	return &Manager{opts: opts, ready: waitAnswering}
}

// LocalPort is the local registry's port, 0 when there is none.
func (m *Manager) LocalPort() int { return max(m.opts.LocalPort, 0) }

// Upstreams returns the upstream of every host.
func (m *Manager) Upstreams(hosts []string) []Upstream {
	us := make([]Upstream, 0, len(hosts))
	for _, h := range hosts {
		us = append(us, UpstreamFor(h, m.opts.Insecure))
	}
	return us
}

// Registry is one running registry.
type Registry struct {
	// Container is also the name of its volume.
	Container string `json:"container"`
	// Host is the registry name in image references it serves: the
	// upstream ("docker.io") or the local registry ("localhost:5001").
	Host string `json:"host"`
	// Local is true for the local registry, false for a cache.
	Local bool `json:"local,omitempty"`
	// Upstream is what a cache pulls from.
	Upstream string `json:"upstream,omitempty"`
	// Addr is the loopback address devstack reaches it on.
	Addr string `json:"addr"`
	// Authenticated is true when the cache logs in to its upstream.
	Authenticated bool `json:"authenticated,omitempty"`
	// Action says what Ensure did: created, recreated, restarted, reused.
	Action string `json:"action,omitempty"`
}

// Ensure runs a cache for every host and the local registry, creating,
// re-configuring or restarting the containers as needed; their volumes are
// kept. It returns them in the order of hosts, the local registry last.
func (m *Manager) Ensure(ctx context.Context, hosts []string) ([]Registry, error) {
	if err := m.ensureNetwork(ctx); err != nil {
		return nil, err
	}
	var out []Registry
	for _, u := range m.Upstreams(hosts) {
		creds, err := m.opts.Credentials(ctx, u.Host)
		if err != nil {
			// Without the login the cache still works anonymously.
			m.opts.Sink.Emit(event.Stamp(event.Event{Source: event.SourceImages, Name: "registries", State: event.Warning,
				Message: fmt.Sprintf("%v; the %s cache pulls anonymously", err, u.Host)}))
			creds = nil
		}
		cfg, err := CacheFiles(u, creds)
		if err != nil {
			return out, err
		}
		r, err := m.ensureOne(ctx, CacheName(u.Host), roleCache, u.Host, cfg, false)
		if err != nil {
			return out, err
		}
		r.Upstream, r.Authenticated = u.RemoteURL, creds != nil
		out = append(out, r)
	}
	if m.opts.LocalPort > 0 {
		cfg, err := LocalFiles()
		if err != nil {
			return out, err
		}
		r, err := m.ensureOne(ctx, LocalName, roleLocal, LocalHost(m.opts.LocalPort), cfg, true)
		if err != nil {
			return out, err
		}
		r.Local = true
		out = append(out, r)
	}
	return out, nil
}

// ensureOne makes one registry container run with the files (name ->
// content in configDir).
func (m *Manager) ensureOne(ctx context.Context, name, role, host string, files map[string][]byte, local bool) (Registry, error) {
	e := m.opts.Engine
	r := Registry{Container: name, Host: host}
	c, err := e.inspect(ctx, name)
	if err != nil {
		return r, err
	}
	if c != nil {
		same, err := m.sameFiles(ctx, name, files)
		if err != nil {
			return r, err
		}
		if c.Image != m.opts.Image || !same || (local && c.HostPort != m.opts.LocalPort) {
			// A new image, upstream or login: a new container on the same
			// volume, so nothing cached is lost.
			if _, err := e.run(ctx, nil, "rm", "-f", name); err != nil {
				return r, fmt.Errorf("replacing %s: %w", name, err)
			}
			c, r.Action = nil, "recreated"
		}
	}
	switch {
	case c == nil:
		if r.Action == "" {
			r.Action = "created"
		}
		if err := m.create(ctx, name, role, host, files, local); err != nil {
			return r, err
		}
	case !c.Running:
		// A cache that died (or was stopped) is started again, on its volume.
		r.Action = "restarted"
		if _, err := e.run(ctx, nil, "start", name); err != nil {
			return r, fmt.Errorf("starting %s again: %w", name, err)
		}
	default:
		r.Action = "reused"
	}
	if c == nil || !contains(c.Networks, m.opts.Network) {
		if err := m.connect(ctx, name); err != nil {
			return r, err
		}
	}
	if c, err = e.inspect(ctx, name); err != nil {
		return r, err
	} else if c == nil || c.HostPort == 0 {
		return r, fmt.Errorf("%s publishes no port on loopback", name)
	}
	r.Addr = fmt.Sprintf("127.0.0.1:%d", c.HostPort)
	if err := m.ready(ctx, r.Addr); err != nil {
		return r, fmt.Errorf("%s does not answer on %s: %w (see `%s logs %s`)", name, r.Addr, err, e.Binary, name)
	}
	return r, nil
}

func (m *Manager) create(ctx context.Context, name, role, host string, files map[string][]byte, local bool) error {
	e := m.opts.Engine
	publish := fmt.Sprintf("127.0.0.1::%d", containerPort)
	if local {
		publish = fmt.Sprintf("127.0.0.1:%d:%d", m.opts.LocalPort, containerPort)
	}
	args := []string{"create", "--name", name,
		"--label", labelRole + "=" + role, "--label", labelUpstream + "=" + host,
		// Up again after the engine restarts; `devstack up` restarts one
		// that was stopped by hand.
		"--restart", "unless-stopped",
		"--network", m.opts.Network,
		"-p", publish,
		"-v", name + ":" + storageDir,
		m.opts.Image,
	}
	if _, err := e.run(ctx, nil, args...); err != nil {
		return fmt.Errorf("creating %s from %s: %w", name, m.opts.Image, err)
	}
	if err := e.copyIn(ctx, name, configDir, files); err != nil {
		_, _ = e.run(context.WithoutCancel(ctx), nil, "rm", "-f", name)
		return err
	}
	if _, err := e.run(ctx, nil, "start", name); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	return nil
}

// sameFiles reports whether the container's files are those wanted.
func (m *Manager) sameFiles(ctx context.Context, name string, files map[string][]byte) (bool, error) {
	for f, want := range files {
		have, err := m.opts.Engine.readFile(ctx, name, configDir+"/"+f)
		if err != nil {
			return false, err
		}
		if !bytes.Equal(have, want) {
			return false, nil
		}
	}
	return true, nil
}

// connect attaches a registry to the nodes' network; already attached is fine.
func (m *Manager) connect(ctx context.Context, name string) error {
	_, err := m.opts.Engine.run(ctx, nil, "network", "connect", m.opts.Network, name)
	if err != nil && strings.Contains(strings.ToLower(enginecli.Stderr(err)), "already") {
		return nil
	}
	if err != nil {
		return fmt.Errorf("connecting %s to network %s: %w", name, m.opts.Network, err)
	}
	return nil
}

// ensureNetwork creates the nodes' network when kind has not yet: the
// caches must be reachable by name before the first node pulls. kind uses
// an existing network of its name as it is.
func (m *Manager) ensureNetwork(ctx context.Context) error {
	ok, err := m.opts.Engine.networkExists(ctx, m.opts.Network)
	if err != nil || ok {
		return err
	}
	args := []string{"network", "create", "-d", "bridge"}
	if m.opts.Engine.Binary != "podman" {
		// kind's own option: nodes reach the internet through the host
		args = append(args, "-o", "com.docker.network.bridge.enable_ip_masquerade=true")
	}
	if _, err := m.opts.Engine.run(ctx, nil, append(args, m.opts.Network)...); err != nil {
		if ok, _ := m.opts.Engine.networkExists(ctx, m.opts.Network); ok {
			return nil // created concurrently (by kind)
		}
		return fmt.Errorf("creating network %s: %w", m.opts.Network, err)
	}
	return nil
}

// waitAnswering polls the registry's API root until it answers.
func waitAnswering(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var last error
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v2/", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
			err = fmt.Errorf("GET /v2/: %s", resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
