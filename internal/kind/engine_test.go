package kind

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseInspect(t *testing.T) {
	img := releaseImages["v1.37.0"]
	cases := []struct {
		File string
		Want []Container
	}{
		{File: "docker-inspect.json", Want: []Container{
			{Name: "devstack-control-plane", Role: "control-plane", Image: img, Running: true, Status: "running", Ports: map[int]int{80: 8080, 443: 8443, 6443: 41235},
				StartedAt: time.Date(2026, 12, 2, 0, 57, 7, 123456789, time.UTC)},
			{Name: "devstack-worker", Role: "worker", Image: img, Status: "exited", StartedAt: time.Date(2026, 12, 1, 18, 0, 0, 500_000_000, time.UTC)},
		}},
		{File: "podman-inspect.json", Want: []Container{
			{Name: "devstack-control-plane", Role: "control-plane", Image: "docker.io/kindest/node:v1.36.4", Running: true, Status: "running", Ports: map[int]int{80: 80, 443: 443},
				StartedAt: time.Date(2026, 12, 2, 0, 57, 7, 386284226, time.UTC)},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.File))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseInspect(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.Want) {
				t.Errorf("containers =\n%+v\nwant\n%+v", got, tc.Want)
			}
		})
	}
}

func TestParseInfo(t *testing.T) {
	cases := []struct {
		Engine, File string
		Want         EngineInfo
		Unreachable  bool
	}{
		{Engine: "docker", File: "docker-info.json", Want: EngineInfo{Version: "28.2.2", CPUs: 8, MemoryBytes: 16663339008, RootDir: "/var/lib/docker"}},
		{Engine: "podman", File: "podman-info.json", Want: EngineInfo{Version: "5.4.2", CPUs: 4, MemoryBytes: 8324276224, RootDir: "/home/dev/.local/share/containers/storage"}},
		{Engine: "docker", File: "docker-info-daemon-down.json", Unreachable: true},
	}
	for _, tc := range cases {
		t.Run(tc.File, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.File))
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseInfo(tc.Engine, b)
			var u *UnreachableError
			if tc.Unreachable != errors.As(err, &u) {
				t.Fatalf("error = %v, unreachable want %v", err, tc.Unreachable)
			}
			if !tc.Unreachable && got != tc.Want {
				t.Errorf("info = %+v, want %+v", got, tc.Want)
			}
		})
	}
}

// fakeClient writes an executable that behaves like a client whose daemon
// is down: it prints Docker's message on stderr and exits 1.
func fakeClient(t *testing.T, script string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "docker")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEngineInfoUnreachable(t *testing.T) {
	cases := []struct {
		Name, Binary, Want string
	}{
		{Name: "daemon down", Binary: fakeClient(t, `echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1`),
			Want: "Docker is not reachable: Cannot connect to the Docker daemon"},
		{Name: "client missing", Binary: filepath.Join(t.TempDir(), "no-such-docker"), Want: "Docker is not reachable:"},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			start := time.Now()
			_, err := Engine{Name: "docker", Binary: tc.Binary}.Info(context.Background())
			var u *UnreachableError
			if !errors.As(err, &u) || !strings.Contains(err.Error(), tc.Want) {
				t.Fatalf("error = %v, want an *UnreachableError containing %q", err, tc.Want)
			}
			t.Logf("answered in %s: %v", time.Since(start), err)
		})
	}
}

func TestEngineCommands(t *testing.T) {
	log := filepath.Join(t.TempDir(), "args")
	bin := fakeClient(t, `echo "$@" >> `+log+`; if [ "$1" = inspect ]; then cat testdata/docker-inspect.json; fi`)
	e := Engine{Name: "docker", Binary: bin}
	ctx := context.Background()
	cs, err := e.Inspect(ctx, "devstack-control-plane", "devstack-worker")
	if err != nil || len(cs) != 2 {
		t.Fatalf("inspect = %v, %v", cs, err)
	}
	if err := e.Stop(ctx, "a", "b"); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(ctx); err != nil { // nothing to start: no command
		t.Fatal(err)
	}
	b, _ := os.ReadFile(log)
	want := "inspect --type container devstack-control-plane devstack-worker\nstop a b\nstart b\n"
	if string(b) != want {
		t.Errorf("commands run =\n%s\nwant\n%s", b, want)
	}
}

func TestDetectEngine(t *testing.T) {
	t.Setenv("KIND_EXPERIMENTAL_PROVIDER", "podman")
	if e := DetectEngine(); e.Name != "podman" || e.Display() != "Podman" {
		t.Errorf("engine = %+v, want podman from KIND_EXPERIMENTAL_PROVIDER", e)
	}
	t.Setenv("KIND_EXPERIMENTAL_PROVIDER", "")
	t.Setenv("PATH", t.TempDir())
	if e := DetectEngine(); e.Name != "docker" || e.Display() != "Docker" {
		t.Errorf("engine = %+v, want docker when no client is installed (so errors name Docker)", e)
	}
}
