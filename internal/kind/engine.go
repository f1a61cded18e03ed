package kind

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"

	"github.com/devstack-dev/devstack/internal/enginecli"
)

// Engine is the container engine kind runs the nodes on, driven through its
// own command-line client. kind itself talks to Docker, Podman and nerdctl
// only through their CLIs, so devstack does the same for what kind's API
// lacks (stopping and starting nodes, inspecting them, engine capacity):
// one way in, the same DOCKER_HOST, context and socket as kind, and no
// second client library that would cover Docker but not Podman.
type Engine struct {
	// Name is "docker", "podman" or "nerdctl", as kind names providers.
	Name string
	// Binary is the client to run; Name unless overridden.
	Binary string
}

// envProvider is the variable kind's own CLI reads to choose the engine.
const envProvider = "KIND_EXPERIMENTAL_PROVIDER"

// DetectEngine chooses the engine as kind does: KIND_EXPERIMENTAL_PROVIDER
// when set, else the first of docker, podman, nerdctl whose client is
// installed, else docker (so that errors name Docker).
func DetectEngine() Engine {
	if name := os.Getenv(envProvider); name == "docker" || name == "podman" || name == "nerdctl" {
		return Engine{Name: name, Binary: name}
	}
	for _, name := range []string{"docker", "podman", "nerdctl"} {
		if _, err := exec.LookPath(name); err == nil {
			return Engine{Name: name, Binary: name}
		}
	}
	return Engine{Name: "docker", Binary: "docker"}
}

// Display is the engine's name for people: "Docker", "Podman", "nerdctl".
func (e Engine) Display() string {
	switch e.Name {
	case "docker":
		return "Docker"
	case "podman":
		return "Podman"
	}
	return e.Name
}

// providerOption returns kind's provider option for e.
func (e Engine) providerOption() cluster.ProviderOption {
	switch e.Name {
	case "podman":
		return cluster.ProviderWithPodman()
	case "nerdctl":
		return cluster.ProviderWithNerdctl(e.Binary)
	}
	return cluster.ProviderWithDocker()
}

// UnreachableError says the engine's client or daemon cannot be used.
type UnreachableError struct {
	Engine string // for people: "Docker"
	Detail string // what the client said
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("%s is not reachable: %s", e.Engine, e.Detail)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// EngineInfo is the engine's capacity as the daemon reports it.
type EngineInfo struct {
	Engine      string // for people: "Docker"
	Version     string
	CPUs        int
	MemoryBytes int64
	// RootDir is where the engine stores images and containers (inside the
	// VM on Docker Desktop and Podman machine).
	RootDir string
}

// infoTimeout bounds `docker info`: a daemon behind an unreachable
// DOCKER_HOST must not keep `up` waiting.
const infoTimeout = 10 * time.Second

// Info asks the daemon for its capacity. An unreachable daemon or a missing
// client is an *UnreachableError.
func (e Engine) Info(ctx context.Context) (EngineInfo, error) {
	format := []string{"info", "--format", "{{json .}}"}
	if e.Name == "podman" {
		format = []string{"info", "--format", "json"}
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, infoTimeout)
	defer cancel()
	out, err := e.run(ctx, format...)
	switch {
	case parent.Err() != nil:
		return EngineInfo{}, parent.Err()
	case ctx.Err() != nil:
		return EngineInfo{}, &UnreachableError{Engine: e.Display(), Detail: fmt.Sprintf("`%s info` did not answer within %s", e.Name, infoTimeout), Err: ctx.Err()}
	case err != nil:
		return EngineInfo{}, &UnreachableError{Engine: e.Display(), Detail: enginecli.Detail(err), Err: err}
	}
	info, err := parseInfo(e.Name, out)
	var unreachable *UnreachableError
	if errors.As(err, &unreachable) {
		unreachable.Engine = e.Display()
	}
	if err != nil {
		return EngineInfo{}, err
	}
	info.Engine = e.Display()
	return info, nil
}

func parseInfo(engine string, out []byte) (EngineInfo, error) {
	if engine == "podman" {
		var p struct {
			Host struct {
				CPUs     int   `json:"cpus"`
				MemTotal int64 `json:"memTotal"`
			} `json:"host"`
			Store struct {
				GraphRoot string `json:"graphRoot"`
			} `json:"store"`
			Version struct {
				Version string `json:"Version"`
			} `json:"version"`
		}
		if err := json.Unmarshal(out, &p); err != nil {
			return EngineInfo{}, fmt.Errorf("reading podman info: %w", err)
		}
		return EngineInfo{Version: p.Version.Version, CPUs: p.Host.CPUs, MemoryBytes: p.Host.MemTotal, RootDir: p.Store.GraphRoot}, nil
	}
	var d struct {
		NCPU          int
		MemTotal      int64
		DockerRootDir string
		ServerVersion string
		ServerErrors  []string
	}
	if err := json.Unmarshal(out, &d); err != nil {
		return EngineInfo{}, fmt.Errorf("reading %s info: %w", engine, err)
	}
	if len(d.ServerErrors) > 0 || d.ServerVersion == "" {
		msg := strings.Join(d.ServerErrors, "; ")
		if msg == "" {
			msg = "the daemon did not answer"
		}
		return EngineInfo{}, &UnreachableError{Engine: engine, Detail: msg}
	}
	return EngineInfo{Version: d.ServerVersion, CPUs: d.NCPU, MemoryBytes: d.MemTotal, RootDir: d.DockerRootDir}, nil
}

// Inspect returns the named containers.
func (e Engine) Inspect(ctx context.Context, names ...string) ([]Container, error) {
	if len(names) == 0 {
		return nil, nil
	}
	out, err := e.run(ctx, append([]string{"inspect", "--type", "container"}, names...)...)
	if err != nil {
		return nil, fmt.Errorf("inspecting the node containers: %w", err)
	}
	return parseInspect(out)
}

// inspected is the part of `docker inspect` and `podman inspect` output
// devstack reads; both engines use these field names.
type inspected struct {
	Name      string
	ImageName string // podman only
	Config    struct {
		Image  string
		Labels map[string]string
	}
	State struct {
		Running   bool
		Status    string
		StartedAt string
	}
	HostConfig struct {
		PortBindings map[string][]struct{ HostIP, HostPort string }
	}
}

// roleLabel is the label kind puts on every node container.
const roleLabel = "io.x-k8s.kind.role"

func parseInspect(out []byte) ([]Container, error) {
	var raw []inspected
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("reading container details: %w", err)
	}
	cs := make([]Container, 0, len(raw))
	for _, r := range raw {
		c := Container{
			Name:    strings.TrimPrefix(r.Name, "/"),
			Role:    r.Config.Labels[roleLabel],
			Image:   first(r.Config.Image, r.ImageName),
			Running: r.State.Running,
			Status:  r.State.Status,
		}
		// Docker and Podman write RFC 3339 with nanoseconds; a container
		// never started has Go's zero time.
		if at, err := time.Parse(time.RFC3339Nano, r.State.StartedAt); err == nil && at.Year() > 1 {
			c.StartedAt = at.UTC()
		}
		for port, binds := range r.HostConfig.PortBindings {
			num, proto, _ := strings.Cut(port, "/")
			cp, err := strconv.Atoi(num)
			if err != nil || (proto != "" && proto != "tcp") || len(binds) == 0 {
				continue
			}
			if hp, err := strconv.Atoi(binds[0].HostPort); err == nil {
				if c.Ports == nil {
					c.Ports = map[int]int{}
				}
				c.Ports[cp] = hp
			}
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// Start starts the named containers.
func (e Engine) Start(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	if _, err := e.run(ctx, append([]string{"start"}, names...)...); err != nil {
		return fmt.Errorf("starting %s: %w", strings.Join(names, ", "), err)
	}
	return nil
}

// Stop stops the named containers; their filesystems, and so the
// cluster's state, stay.
func (e Engine) Stop(ctx context.Context, names ...string) error {
	if len(names) == 0 {
		return nil
	}
	if _, err := e.run(ctx, append([]string{"stop"}, names...)...); err != nil {
		return fmt.Errorf("stopping %s: %w", strings.Join(names, ", "), err)
	}
	return nil
}

func (e Engine) run(ctx context.Context, args ...string) ([]byte, error) {
	return enginecli.Run(ctx, first(e.Binary, e.Name), nil, args...)
}
