package registry

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/devstack-dev/devstack/internal/enginecli"
)

// Engine drives the container engine through its own command-line client,
// as internal/kind does for the nodes: the same binary, DOCKER_HOST,
// context and socket as kind, and Docker and Podman alike.
type Engine struct {
	// Binary is the client: "docker", "podman".
	Binary string
}

// container is what devstack reads of `docker inspect` for a registry.
type container struct {
	Name     string
	Image    string
	Running  bool
	Status   string
	Labels   map[string]string
	Networks []string
	// HostPort is the loopback port containerPort is published on (0: none).
	HostPort int
}

type inspectedContainer struct {
	Name   string
	Config struct {
		Image  string
		Labels map[string]string
	}
	State struct {
		Running bool
		Status  string
	}
	NetworkSettings struct {
		Networks map[string]json.RawMessage
		Ports    map[string][]struct{ HostIP, HostPort string }
	}
}

func parseContainer(out []byte) (*container, error) {
	var raw []inspectedContainer
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("reading container details: %w", err)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	r := raw[0]
	c := &container{Name: strings.TrimPrefix(r.Name, "/"), Image: r.Config.Image, Running: r.State.Running, Status: r.State.Status, Labels: r.Config.Labels}
	for n := range r.NetworkSettings.Networks {
		c.Networks = append(c.Networks, n)
	}
	if binds := r.NetworkSettings.Ports[fmt.Sprintf("%d/tcp", containerPort)]; len(binds) > 0 {
		c.HostPort, _ = strconv.Atoi(binds[0].HostPort)
	}
	return c, nil
}

// inspect returns the named container, or nil when there is none.
func (e Engine) inspect(ctx context.Context, name string) (*container, error) {
	out, err := e.run(ctx, nil, "inspect", "--type", "container", name)
	if err != nil {
		if enginecli.NoSuch(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("inspecting %s: %w", name, err)
	}
	return parseContainer(out)
}

// listRegistries names devstack's registry containers, running or not.
func (e Engine) listRegistries(ctx context.Context) ([]string, error) {
	out, err := e.run(ctx, nil, "ps", "-a", "--filter", "label="+labelRole, "--format", "{{.Names}}")
	if err != nil {
		return nil, fmt.Errorf("listing devstack's registries: %w", err)
	}
	return strings.Fields(string(out)), nil
}

// copyIn writes files (name -> content) into dir of a container, created
// or running, through the engine's archive API: mode 0700 for a script
// (it starts with "#!"), 0600 otherwise.
func (e Engine) copyIn(ctx context.Context, name, dir string, files map[string][]byte) error {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for f, content := range files {
		mode := int64(0o600)
		if bytes.HasPrefix(content, []byte("#!")) {
			mode = 0o700
		}
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: mode, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(content); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if _, err := e.run(ctx, &buf, "cp", "-", name+":"+dir); err != nil {
		return fmt.Errorf("writing the configuration of %s: %w", name, err)
	}
	return nil
}

// copyOut returns the files under path in a container, as a tar stream
// read into memory (only small trees: configuration, repository links).
func (e Engine) copyOut(ctx context.Context, name, path string) ([]byte, error) {
	out, err := e.run(ctx, nil, "cp", name+":"+path, "-")
	if err != nil {
		return nil, fmt.Errorf("reading %s of %s: %w", path, name, err)
	}
	return out, nil
}

// readFile returns one file of a container, nil when it does not exist.
func (e Engine) readFile(ctx context.Context, name, path string) ([]byte, error) {
	out, err := e.copyOut(ctx, name, path)
	if err != nil {
		if enginecli.NoSuch(err) {
			return nil, nil
		}
		return nil, err
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, nil
		}
		if h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

func (e Engine) networkExists(ctx context.Context, network string) (bool, error) {
	_, err := e.run(ctx, nil, "network", "inspect", network)
	if err != nil {
		if enginecli.NoSuch(err) {
			return false, nil
		}
		return false, fmt.Errorf("inspecting network %s: %w", network, err)
	}
	return true, nil
}

// run runs the client with args, stdin from in (nil: none), and returns
// its standard output. The arguments never carry secrets: credentials go
// in through copyIn.
func (e Engine) run(ctx context.Context, in io.Reader, args ...string) ([]byte, error) {
	bin := e.Binary
	if bin == "" {
		bin = "docker"
	}
	return enginecli.Run(ctx, bin, in, args...)
}
