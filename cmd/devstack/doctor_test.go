package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/doctor"
	"github.com/devstack-dev/devstack/internal/paths"
)

// fakeDocker puts a docker client first in PATH whose daemon is down, the
// way the real client answers then; the environment devstack reads at its
// root then names it.
func fakeDocker(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv(paths.EnvStateDir, t.TempDir())
	t.Setenv("KIND_EXPERIMENTAL_PROVIDER", "docker")
}

func TestDoctorWithoutEngine(t *testing.T) {
	fakeDocker(t)
	out, errOut, code := devstack(t, "doctor")
	if code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"FAIL  container engine  Docker is not reachable: Cannot connect to the Docker daemon", "fix: start Docker", "port 80/tcp"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "check(s) failed") {
		t.Errorf("stderr = %q", errOut)
	}

	out, _, code = devstack(t, "doctor", "-o", "json", "--profile", "minimal")
	var rep doctor.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitFailure {
		t.Fatalf("json report: exit %d, %v\n%s", code, err, out)
	}
	if rep.Results[0].Name != "container engine" || rep.Results[0].Status != doctor.Fail {
		t.Errorf("first result = %+v", rep.Results[0])
	}
}

func TestDoctorUsage(t *testing.T) {
	fakeDocker(t)
	if _, _, code := devstack(t, "doctor", "-o", "yaml"); code != exitUsage {
		t.Errorf("bad --output: exit %d, want 2", code)
	}
}

func TestDownWithoutEngine(t *testing.T) {
	fakeDocker(t)
	_, errOut, code := devstack(t, "down")
	if code != exitFailure || !strings.Contains(errOut, "Docker is not reachable: Cannot connect to the Docker daemon") {
		t.Errorf("exit %d, stderr %q; want 1 naming Docker", code, errOut)
	}
}
