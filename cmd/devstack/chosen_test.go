package main

import (
	"encoding/json"
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
