package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/env"
	"github.com/devstack-dev/devstack/internal/status"
	"github.com/devstack-dev/devstack/internal/testcluster"
	"github.com/devstack-dev/devstack/internal/tui"
)

// writeProfile writes a standalone profile of the installer's own test
// charts: an operator with a CRD (foundation), a custom resource of it and
// an app (applications).
func writeProfile(t *testing.T) string {
	t.Helper()
	charts, err := filepath.Abs("../../internal/helm/testdata/charts")
	if err != nil {
		t.Fatal(err)
	}
	profile := fmt.Sprintf(`apiVersion: devstack.dev/v1alpha1
kind: Stack
description: integration test stack
standalone: true
components:
  - name: operator
    tier: foundation
    namespace: it-system
    chart: {path: %[1]s/operator}
    estimatedSeconds: 5
  - name: widget
    tier: apps
    namespace: it-apps
    chart: {path: %[1]s/widget}
    dependsOn: [operator]
    estimatedSeconds: 2
  - name: app
    tier: apps
    namespace: it-apps
    chart: {path: %[1]s/app}
    dependsOn: [widget]
    hosts: [app]
    estimatedSeconds: 5
    values: {greeting: hi}
`, charts)
	p := filepath.Join(t.TempDir(), "it.yaml")
	if err := os.WriteFile(p, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIntegrationUpContext runs the real command line against a real
// control plane: up into an existing context, a converged re-run, status,
// and the application tier's removal.
func TestIntegrationUpContext(t *testing.T) {
	c := testcluster.New(t)
	t.Setenv("DEVSTACK_STATE_DIR", t.TempDir())
	t.Setenv("DEVSTACK_CACHE_DIR", t.TempDir())
	t.Setenv(env.EnvOSRoot, t.TempDir())
	profile := writeProfile(t)
	target := []string{"--profile", profile, "--context", c.Context, "--kubeconfig", c.Kubeconfig}

	// Ctrl-C while the first component installs: the run stops cleanly,
	// says how to resume, and the next up (below) recovers.
	interruptedUp(t, append([]string{"up", "--no-tui", "--no-dns", "--timeout", "90s"}, target...))

	out, errOut, code := devstack(t, append([]string{"up", "--no-tui", "--no-dns", "--timeout", "90s"}, target...)...)
	if code != 0 {
		t.Fatalf("up: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"operator", "widget", "app"} {
		if !hasLine(out, "component", name, "succeeded") {
			t.Errorf("first up did not install %s:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "http://app.local") {
		t.Errorf("the summary lacks the URL:\n%s", out)
	}

	out, errOut, code = devstack(t, append([]string{"up", "--no-tui", "--no-dns"}, target...)...)
	if code != 0 {
		t.Fatalf("second up: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"operator", "widget", "app"} {
		if !hasLine(out, "component", name, "skipped") || hasLine(out, "component", name, "succeeded") {
			t.Errorf("converged re-run did not skip %s:\n%s", name, out)
		}
	}

	st := statusOf(t, target)
	if !st.Ready || len(st.Components) != 3 {
		t.Fatalf("status after up: %+v", st)
	}

	out, errOut, code = devstack(t, append([]string{"reset", "--tier", "apps", "--yes"}, target...)...)
	if code != 0 {
		t.Fatalf("reset --tier apps: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Uninstalled:") || !strings.Contains(out, "release app") || !strings.Contains(out, "release widget") || strings.Contains(out, "release operator") {
		t.Errorf("reset --tier apps removed the wrong releases:\n%s", out)
	}
	installed := map[string]bool{}
	for _, c := range statusOf(t, target).Components {
		installed[c.Name] = c.Installed
	}
	if !installed["operator"] || installed["widget"] || installed["app"] {
		t.Fatalf("after reset --tier apps: %v", installed)
	}

	// A cluster devstack did not create is not deleted: reset uninstalls
	// what devstack installed in it.
	out, errOut, code = devstack(t, append([]string{"reset", "--yes"}, target...)...)
	if code != 0 {
		t.Fatalf("reset: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, c := range statusOf(t, target).Components {
		if c.Installed {
			t.Errorf("%s still installed after reset", c.Name)
		}
	}
}

func statusOf(t *testing.T, target []string) status.Report {
	t.Helper()
	out, errOut, code := devstack(t, append([]string{"status", "-o", "json"}, target...)...)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, errOut)
	}
	var st status.Report
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	return st
}

// hasLine reports whether a plain-printer line has these fields after its
// timestamp.
func hasLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > len(fields) && strings.Join(f[1:1+len(fields)], " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}

// interruptedUp runs up with the process's signal seam and sends one
// SIGINT once a component is being installed.
func interruptedUp(t *testing.T, args []string) {
	t.Helper()
	sigs := make(chan os.Signal, 1)
	var out, errOut lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- runProcess(context.Background(), process{args: args, in: strings.NewReader(""), out: &out, err: &errOut,
			signals: sigs, exit: func(c int) { t.Errorf("stopped at once with %d after one Ctrl-C", c) }})
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.String(), "component operator") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	sigs <- syscall.SIGINT
	select {
	case code := <-done:
		if code != exitFailure || !strings.Contains(errOut.String(), tui.CancellingNotice) || !strings.Contains(errOut.String(), "run `devstack up` again to resume") {
			t.Errorf("interrupted up: exit %d\n%s\n%s", code, out.String(), errOut.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("interrupted up did not return\n%s\n%s", out.String(), errOut.String())
	}
}
