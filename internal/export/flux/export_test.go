package flux_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/export/flux"
)

func TestExportIsDeterministicAndCheckable(t *testing.T) {
	t.Parallel()
	a := export(t, loadStages(t, "dev", "prod"))
	b := export(t, loadStages(t, "dev", "prod"))
	if len(a) != len(b) {
		t.Fatalf("%d files, then %d", len(a), len(b))
	}
	for p := range a {
		if !bytes.Equal(a[p], b[p]) {
			t.Errorf("%s differs between two exports of the same plans", p)
		}
	}
	dir := t.TempDir()
	if err := a.Write(dir); err != nil {
		t.Fatal(err)
	}
	// A file the export does not own survives, and does not count.
	if err := os.MkdirAll(filepath.Join(dir, flux.StageDir(flux.Stage{Name: "dev", Cluster: "devstack"}), "flux-system"), 0o755); err != nil {
		t.Fatal(err)
	}
	bootstrap := filepath.Join(dir, "clusters/stages/dev/clusters/devstack/flux-system/gotk-sync.yaml")
	if err := os.WriteFile(bootstrap, []byte("kind: GitRepository\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := a.Diff(dir); err != nil || d != "" {
		t.Fatalf("fresh export: diff %q, err %v", d, err)
	}
	cases := []struct {
		name, file, content, want string
	}{
		{"edited", "apps/base/redis/helmrelease.yaml", "kind: HelmRelease\n", "--- apps/base/redis/helmrelease.yaml"},
		{"stale", "base/services/gone.yaml", "kind: Kustomization\n", "--- base/services/gone.yaml\n+++ /dev/null"},
		{"stale patch", "clusters/stages/prod/clusters/devstack/patches/old.yaml", "x: 1\n", "patches/old.yaml\n+++ /dev/null"},
	}
	for _, tc := range cases {
		full := filepath.Join(dir, tc.file)
		if err := os.WriteFile(full, []byte(tc.content), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := a.Diff(dir)
		if err != nil || !strings.Contains(d, tc.want) {
			t.Errorf("%s: diff %q (err %v), want it to contain %q", tc.name, d, err, tc.want)
		}
		if err := a.Write(dir); err != nil {
			t.Fatal(err)
		}
		if d, _ := a.Diff(dir); d != "" {
			t.Errorf("%s: after a rewrite, diff %q", tc.name, d)
		}
	}
	if _, err := os.Stat(bootstrap); err != nil {
		t.Errorf("the export removed a file it does not own: %v", err)
	}
}

func TestExportRefusesStagesOfDifferentShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		stages []string
		want   string
	}{
		{[]string{"dev", "minimal"}, "stage minimal: components["},
		{[]string{"small", "dev"}, "every stage must have the same components"},
	}
	for _, tc := range cases {
		_, err := flux.Export(flux.Options{Stages: loadStages(t, tc.stages...)})
		var e *flux.Error
		if !errors.As(err, &e) || e.ExitCode() != 2 || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err %v, want a *flux.Error containing %q", tc.stages, err, tc.want)
		}
	}
}
