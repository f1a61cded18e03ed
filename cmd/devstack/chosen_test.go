package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/status"
)

// TestCommandsDefaultToWhatUpApplied: up records its stack and cluster
// before anything else (here the engine is down, so it stops at the
// preflight), and plan, status and down then mean that stack and cluster.
func TestCommandsDefaultToWhatUpApplied(t *testing.T) {
	fakeDocker(t)
	t.Setenv("DEVSTACK_OS_ROOT", t.TempDir())
	_, errOut, code := devstack(t, "up", "--profile", "minimal", "--name", "team", "--no-tui", "--no-dns")
	if code != exitFailure || !strings.Contains(errOut, "Docker is not reachable") {
		t.Fatalf("up: exit %d, %s", code, errOut)
	}

	p := planOf(t)
	if p.Profile != "minimal" {
		t.Errorf("plan after up --profile minimal: profile %q", p.Profile)
	}
	if p := planOf(t, "--profile", "prod"); p.Profile != "prod" {
		t.Errorf("plan --profile prod: profile %q: the flag comes first", p.Profile)
	}

	out, errOut, code := devstack(t, "status", "-o", "json")
	var st status.Report
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 {
		t.Fatalf("status: exit %d %v\n%s%s", code, err, out, errOut)
	}
	if st.Profile != "minimal" || st.Cluster == nil || st.Cluster.Name != "team" || len(st.Components) != len(p.Components) {
		t.Errorf("status after up: profile %q cluster %+v, %d components", st.Profile, st.Cluster, len(st.Components))
	}

	_, errOut, _ = devstack(t, "down")
	if !strings.Contains(errOut, "Docker is not reachable") {
		t.Errorf("down did not ask the engine about the recorded cluster: %s", errOut)
	}

	// reset means the recorded cluster too; it cannot be deleted with the
	// engine down, so the record stays for the next reset.
	_, errOut, code = devstack(t, "reset", "--yes")
	if code != exitFailure || !strings.Contains(errOut, "deleting cluster team: ") || !strings.Contains(errOut, "run `devstack reset` again") {
		t.Errorf("reset: exit %d, stderr %q", code, errOut)
	}
	if p := planOf(t); p.Profile != "minimal" {
		t.Errorf("after the failed reset the record is gone: plan profile %q", p.Profile)
	}
}

// TestMachineCommandsDefaultToWhatUpApplied: doctor checks the ports of the
// stack up applied, and dns install routes its domain, without the flags
// being repeated.
func TestMachineCommandsDefaultToWhatUpApplied(t *testing.T) {
	fakeDocker(t)
	t.Setenv("DEVSTACK_OS_ROOT", t.TempDir())
	profile := filepath.Join(t.TempDir(), "ports.yaml")
	body := "apiVersion: devstack.dev/v1alpha1\nkind: Stack\ndomain: ports.test\ncluster:\n  httpPort: 18081\n  httpsPort: 18444\n"
	if err := os.WriteFile(profile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := devstack(t, "up", "--profile", profile, "--no-tui", "--no-dns"); code != exitFailure || !strings.Contains(errOut, "Docker is not reachable") {
		t.Fatalf("up: exit %d, %s", code, errOut)
	}

	out, _, _ := devstack(t, "doctor")
	for _, want := range []string{"port 18081/tcp", "port 18444/tcp"} {
		if !strings.Contains(out, want) {
			t.Errorf("doctor after up on ports 18081/18444 does not check %q:\n%s", want, out)
		}
	}
	if out, _, _ := devstack(t, "doctor", "--profile", "minimal"); !strings.Contains(out, "port 80/tcp") {
		t.Errorf("doctor --profile minimal does not check port 80: the flag comes first:\n%s", out)
	}

	out, errOut, code := devstack(t, "dns", "install", "--dry-run")
	if code != exitOK || !strings.Contains(out+errOut, "ports.test") {
		t.Errorf("dns install --dry-run after up: exit %d, does not route ports.test:\n%s%s", code, out, errOut)
	}
}

// TestKeepDataNeedsContext: --keep-data cannot keep anything of devstack's
// own kind cluster, which reset deletes whole, so it is refused rather than
// silently ignored.
func TestKeepDataNeedsContext(t *testing.T) {
	fakeDocker(t)
	t.Setenv("DEVSTACK_OS_ROOT", t.TempDir())
	_, errOut, code := devstack(t, "reset", "--yes", "--keep-data")
	if code != exitUsage || !strings.Contains(errOut, "--keep-data applies to a --context cluster") {
		t.Errorf("reset --keep-data: exit %d, stderr %q; want 2", code, errOut)
	}
}

// TestStatusTableSaysEachPartOnce: the table names the cluster, the
// resolver and the registries once each, whatever is running.
func TestStatusTableSaysEachPartOnce(t *testing.T) {
	fakeDocker(t)
	t.Setenv("DEVSTACK_OS_ROOT", t.TempDir())
	out, errOut, code := devstack(t, "status", "--profile", "minimal")
	if code != exitOK {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}
	for _, part := range []string{"Cluster devstack:", "Resolver:", "Registries:", "URLs:"} {
		if n := strings.Count(out, part); n != 1 {
			t.Errorf("status says %q %d times:\n%s", part, n, out)
		}
	}
}
