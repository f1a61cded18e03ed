package reset

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/statelock"
)

// clusters is a kind store in the state directory: one record file per
// cluster, removed only when its delete succeeds, as kind.Manager does.
type clusters struct {
	dir     string
	failing map[string]error // Delete fails with this error
	deleted []string
}

func (c *clusters) record(name string) {
	os.MkdirAll(filepath.Join(c.dir, "kind"), 0o700)
	os.WriteFile(filepath.Join(c.dir, "kind", name+".json"), []byte("{}"), 0o600)
}

func (c *clusters) Recorded() ([]string, error) {
	m, _ := filepath.Glob(filepath.Join(c.dir, "kind", "*.json"))
	var names []string
	for _, p := range m {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".json"))
	}
	return names, nil
}

func (c *clusters) Delete(_ context.Context, name string) ([]string, error) {
	if err := c.failing[name]; err != nil {
		return nil, err
	}
	p := filepath.Join(c.dir, "kind", name+".json")
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("cluster %q: %w", name, kind.ErrNoCluster)
	}
	os.Remove(p)
	c.deleted = append(c.deleted, name)
	return []string{fmt.Sprintf("kind cluster %q", name)}, nil
}

func stateDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "state")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

var dockerDown = &kind.UnreachableError{Engine: "Docker", Err: errors.New("Cannot connect to the Docker daemon")}

func TestNothingRecordedAndNoEngineIsClean(t *testing.T) {
	dir := stateDir(t)
	c := &clusters{dir: dir, failing: map[string]error{kind.DefaultName: dockerDown}}
	// The state directory holds only the lock of this reset.
	os.WriteFile(filepath.Join(dir, statelock.File), nil, 0o600)
	res, err := Reset{StateDir: dir, Clusters: c, OSRoot: t.TempDir()}.Run(context.Background())
	if err != nil || len(res.Removed) != 0 || Describe(res.Removed) != "Nothing to remove: the machine is clean.\n" {
		t.Errorf("second reset: %v %v", res.Removed, err)
	}
}

func TestFailedStepKeepsItsRecordAndTheNextResetFinishes(t *testing.T) {
	dir := stateDir(t)
	c := &clusters{dir: dir, failing: map[string]error{"team": dockerDown}}
	c.record("devstack")
	c.record("team")
	r := Reset{StateDir: dir, Clusters: c, OSRoot: t.TempDir()}

	res, err := r.Run(context.Background())
	var inc *IncompleteError
	if !errors.As(err, &inc) || !strings.Contains(err.Error(), "deleting cluster team: ") ||
		!strings.Contains(err.Error(), "run `devstack reset` again") {
		t.Fatalf("err %v", err)
	}
	if !errors.As(err, new(*kind.UnreachableError)) {
		t.Errorf("the engine's error is lost: %v", err)
	}
	if !res.StateKept || !slices.Equal(res.Removed, []string{`kind cluster "devstack"`}) {
		t.Errorf("first reset: %+v", res)
	}
	if names, _ := c.Recorded(); !slices.Equal(names, []string{"team"}) {
		t.Errorf("records after a failed step: %v, want team's kept", names)
	}

	c.failing = nil // Docker is started again
	res, err = r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Removed, []string{`kind cluster "team"`, "state directory " + dir}) {
		t.Errorf("second reset removed %v", res.Removed)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state directory still there: %v", err)
	}
}

func TestRecordedClusterWithEngineDownFails(t *testing.T) {
	// A cluster devstack recorded may still exist: an engine that does
	// not answer is a failure then, not "nothing to remove".
	dir := stateDir(t)
	c := &clusters{dir: dir, failing: map[string]error{kind.DefaultName: dockerDown}}
	c.record(kind.DefaultName)
	_, err := Reset{StateDir: dir, Clusters: c, OSRoot: t.TempDir()}.Run(context.Background())
	if err == nil {
		t.Fatal("reset succeeded with the recorded cluster's engine down")
	}
	if _, err := os.Stat(filepath.Join(dir, "kind", "devstack.json")); err != nil {
		t.Errorf("the record went: %v", err)
	}
}
