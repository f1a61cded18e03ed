package kind

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

// TestIntegrationLifecycle drives a real kind cluster on the local engine:
// create, reuse, down, up again, mirrors in place, delete. No registry is
// reachable from CI, so it runs in the end-to-end lane (hack/e2e/run.sh),
// with the node image the lane builds, named by DEVSTACK_E2E_IMAGE.
func TestIntegrationLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("needs a container engine and a kind node image")
	}
	img := os.Getenv("DEVSTACK_E2E_IMAGE")
	if img == "" {
		t.Skip("runs in the end-to-end lane (hack/e2e/run.sh), which sets DEVSTACK_E2E_IMAGE to the node image it builds")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	eng := DetectEngine()
	if _, err := eng.Info(ctx); err != nil {
		// The lane started the engine: one that does not answer is a failure.
		t.Fatal(err)
	}
	dir := t.TempDir()
	rec := &event.Recorder{}
	m, err := New(Options{Engine: eng, StateDir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig")}, rec)
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Name: fmt.Sprintf("devstack-it-%d", time.Now().Unix()%100000), NodeImage: img,
		KubernetesVersion: VersionOfImage(img), HTTPPort: freePort(t), HTTPSPort: freePort(t)}
	t.Cleanup(func() { _, _ = m.Delete(context.Background(), spec.Name) })

	step := func(recreate bool, want Action) {
		t.Helper()
		res, err := m.Ensure(ctx, spec, recreate)
		if err != nil {
			for _, e := range rec.Events() {
				t.Logf("%s %s %s %s", e.Source, e.Name, e.State, e.Message)
			}
			t.Fatal(err)
		}
		if res.Action != want {
			t.Fatalf("action = %s, want %s", res.Action, want)
		}
	}
	step(false, ActionCreate)
	step(false, ActionReuse)
	if err := m.Stop(ctx, spec.Name); err != nil {
		t.Fatal(err)
	}
	if st, _ := m.Status(ctx, spec.Name); st.State != StateStopped {
		t.Fatalf("after down: %s", st.State)
	}
	spec.RegistryMirrors = map[string][]string{"docker.io": {"http://127.0.0.1:5999"}}
	step(false, ActionStart)
	p := m.newProvider(newStepLogger(event.Discard, spec.Name))
	ns, err := p.ListNodes(spec.Name)
	if err != nil || len(ns) == 0 {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := ns[0].Command("cat", certsDir+"/docker.io/hosts.toml").SetStdout(&out).Run(); err != nil || !strings.Contains(out.String(), "127.0.0.1:5999") {
		t.Errorf("mirror not in node: %q, %v", out.String(), err)
	}
	spec.Workers = 1
	if _, err := m.Ensure(ctx, spec, false); err == nil {
		t.Fatal("a worker more was not refused")
	}
	removed, err := m.Delete(ctx, spec.Name)
	if err != nil || len(removed) == 0 {
		t.Fatalf("delete: %v %v", removed, err)
	}
	if st, _ := m.Status(ctx, spec.Name); st.State != StateAbsent {
		t.Errorf("after delete: %s", st.State)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
