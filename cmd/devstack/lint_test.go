package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// lint exits 1 on the defects profile, says what and where in plain text,
// and gives the same findings as JSON; the e2e profile lints clean.
func TestLintCommand(t *testing.T) {
	t.Setenv("DEVSTACK_CACHE_DIR", t.TempDir())
	const defects = "../../internal/lint/testdata/profiles/defects.yaml"
	out, errOut, code := devstack(t, "lint", "--profile", defects)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"unread (app 0.3.0): 1 error",
		"values.replicaCount",
		"wrongclass (app 0.3.0): 1 error",
		`ingress class "nginx" is not the plan's`,
		"good (app 0.3.0): ok",
		"registry.example/app:latest (latest)",
		"3 ok, 1 with warnings, 8 with errors: 8 errors, 2 warnings.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "lint found 8 errors") {
		t.Errorf("stderr %q", errOut)
	}

	out, _, code = devstack(t, "lint", "--profile", defects, "-o", "json", "--set", "unread.replicas=2")
	if code != exitFailure {
		t.Fatalf("json: exit %d", code)
	}
	var rep struct {
		Errors     int `json:"errors"`
		Components []struct {
			Name     string `json:"name"`
			Status   string `json:"status"`
			Findings []struct {
				Check, Field string
			} `json:"findings"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, c := range rep.Components {
		// --set reaches the values check: replicas is read, replicaCount not.
		if c.Name == "unread" && (len(c.Findings) != 1 || c.Findings[0].Field != "replicaCount") {
			t.Errorf("unread with --set: %+v", c.Findings)
		}
	}
	if rep.Errors != 8 {
		t.Errorf("json: %d errors", rep.Errors)
	}

	if out, errOut, code := devstack(t, "lint", "--profile", "../../test/e2e/testdata/profiles/e2e.yaml"); code != exitOK {
		t.Errorf("e2e profile: exit %d\n%s%s", code, out, errOut)
	}
	if _, _, code := devstack(t, "lint", "-o", "yaml"); code != exitUsage {
		t.Errorf("-o yaml: exit %d, want 2", code)
	}
}
