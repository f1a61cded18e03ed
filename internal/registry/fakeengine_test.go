package registry

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The fake engine (testdata/fakeengine) answers the commands the Manager
// runs from a JSON state, so Ensure and RemoveAll are tested without a
// daemon. It is built once per test binary.
const envFakeEngine = "DEVSTACK_FAKE_ENGINE"

// fakeState mirrors testdata/fakeengine's state file.
type fakeState struct {
	Networks   []string
	Containers map[string]*fakeContainer
	Volumes    map[string]bool
	Log        []string
}

type fakeContainer struct {
	Image    string
	Running  bool
	Labels   map[string]string
	Networks []string
	Port     int
	Files    map[string]string
}

var (
	fakeOnce sync.Once
	fakeBin  string
	fakeErr  error
)

func buildFakeEngine(t *testing.T) string {
	t.Helper()
	fakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fakeengine")
		if err != nil {
			fakeErr = err
			return
		}
		fakeBin = filepath.Join(dir, "docker")
		out, err := exec.Command("go", "build", "-o", fakeBin, "./testdata/fakeengine").CombinedOutput()
		if err != nil {
			fakeErr = err
			t.Logf("%s", out)
		}
	})
	if fakeErr != nil {
		t.Fatalf("building the fake engine: %v", fakeErr)
	}
	return fakeBin
}

// fakeManager is a Manager on the fake engine; creds is read at each Ensure.
func fakeManager(t *testing.T, creds **Credentials) (*Manager, func() fakeState) {
	t.Helper()
	statePath := filepath.Join(t.TempDir(), "state.json")
	t.Setenv(envFakeEngine, statePath)
	m := New(Options{Engine: Engine{Binary: buildFakeEngine(t)}, Image: "docker.io/library/registry:3", Network: "kind",
		Credentials: func(context.Context, string) (*Credentials, error) { return *creds, nil }})
	m.ready = func(context.Context, string) error { return nil }
	return m, func() fakeState {
		var st fakeState
		b, _ := os.ReadFile(statePath)
		_ = json.Unmarshal(b, &st)
		return st
	}
}
