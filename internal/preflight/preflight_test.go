package preflight

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/doctor"
	"github.com/devstack-dev/devstack/internal/env"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
)

// downDocker is a docker client whose daemon is down, answering the way the
// real client does then.
func downDocker(t *testing.T) kind.Engine {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "docker")
	script := "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return kind.Engine{Name: "docker", Binary: bin}
}

func plan() *stack.Plan {
	return &stack.Plan{Profile: "test", Components: []stack.Planned{{Component: stack.Component{Name: "a"}}}}
}

func TestCheckWithoutEngine(t *testing.T) {
	rec := &event.Recorder{}
	m := Machine{Env: env.Env{StateDir: t.TempDir(), Engine: downDocker(t)},
		Spec: kind.Spec{Name: "devstack", HTTPPort: 80, HTTPSPort: 443}, DNSPort: 15353, Sink: rec}
	err := m.Check(context.Background(), plan())
	var failed *doctor.FailedError
	if !errors.As(err, &failed) || !strings.Contains(err.Error(), "Docker is not reachable: Cannot connect to the Docker daemon") {
		t.Fatalf("check = %v, want a FailedError naming Docker", err)
	}
	evs := rec.Events()
	if len(evs) < 5 || evs[0].Source != event.SourceDoctor || evs[0].State != event.Failed {
		t.Errorf("events = %+v", evs)
	}
	var names []string
	for _, e := range evs {
		names = append(names, e.Name)
	}
	for _, want := range []string{"port 80/tcp", "port 443/tcp", "port 15353/udp", "port 15353/tcp"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("no check of %s in %v", want, names)
		}
	}
}

func TestBusyPortFails(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	m := Machine{Env: env.Env{StateDir: t.TempDir(), Engine: downDocker(t)},
		Spec: kind.Spec{Name: "devstack", HTTPPort: port, HTTPSPort: 443}}
	rep, err := m.Run(context.Background(), plan())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Results {
		if r.Name == "port "+strconv.Itoa(port)+"/tcp" {
			if r.Status != doctor.Fail {
				t.Errorf("a port in use by another process: %+v", r)
			}
			return
		}
	}
	t.Errorf("no check of port %d: %+v", port, rep.Results)
}

func TestPortOf(t *testing.T) {
	for addr, want := range map[string]int{"127.0.0.1:15353": 15353, "[::1]:53": 53, "nonsense": 0, " 127.0.0.1:1 ": 1} {
		if got := PortOf(addr); got != want {
			t.Errorf("PortOf(%q) = %d, want %d", addr, got, want)
		}
	}
}

// The disk check says how much devstack's image caches hold, so a full
// disk names what `reset --all` would free.
func TestDiskCheckShowsTheCaches(t *testing.T) {
	var asked bool
	m := Machine{Env: env.Env{StateDir: t.TempDir(), Engine: downDocker(t)},
		Spec: kind.Spec{Name: "devstack", HTTPPort: 80, HTTPSPort: 443},
		CacheUsage: func(_ context.Context, engineUp bool) string {
			asked = true
			if engineUp {
				t.Errorf("the engine is down, yet CacheUsage was told it answers")
			}
			return ", of which devstack's image caches hold 3.2 GB"
		}}
	rep, err := m.Run(context.Background(), plan())
	if err != nil {
		t.Fatal(err)
	}
	if !asked {
		t.Fatal("the checks never asked how much the caches hold")
	}
	for _, r := range rep.Results {
		if strings.HasPrefix(r.Name, "disk") {
			if !strings.Contains(r.Name+" "+r.Message, "image caches hold 3.2 GB") {
				t.Errorf("the disk check does not show the caches: %+v", r)
			}
			return
		}
	}
	t.Errorf("no disk check: %+v", rep.Results)
}

// upDocker is a docker client whose daemon answers `docker info`.
func upDocker(t *testing.T) kind.Engine {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "docker")
	script := "#!/bin/sh\necho '{\"NCPU\":8,\"MemTotal\":34359738368,\"ServerVersion\":\"29.0.0\"}'\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return kind.Engine{Name: "docker", Binary: bin}
}

// publishing is a cluster whose running node publishes host ports.
type publishing map[int]int

func (p publishing) Status(_ context.Context, name string) (kind.ClusterStatus, error) {
	return kind.ClusterStatus{Name: name, State: kind.StateRunning,
		Nodes: []kind.Container{{Name: name + "-control-plane", Running: true, Ports: p}}}, nil
}

// A port held by devstack's own running cluster is its own, not a
// conflict; the same port held by anything else fails the check.
func TestPortOfTheOwnClusterIsNoConflict(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	name := "port " + strconv.Itoa(port) + "/tcp"
	result := func(c Clusters) doctor.Result {
		m := Machine{Env: env.Env{StateDir: t.TempDir(), Engine: upDocker(t)},
			Spec: kind.Spec{Name: "devstack", HTTPPort: port, HTTPSPort: 443}, Clusters: c}
		rep, err := m.Run(context.Background(), plan())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results {
			if r.Name == name {
				return r
			}
		}
		t.Fatalf("no check of %s: %+v", name, rep.Results)
		return doctor.Result{}
	}
	if r := result(publishing{80: port}); r.Status == doctor.Fail || !strings.Contains(r.Message, "cluster devstack") {
		t.Errorf("port published by the devstack cluster: %+v", r)
	}
	if r := result(publishing{80: 1}); r.Status != doctor.Fail {
		t.Errorf("port held by another process while the cluster publishes others: %+v", r)
	}
	if r := result(nil); r.Status != doctor.Fail {
		t.Errorf("port held by another process, no cluster: %+v", r)
	}
}
