package testcluster

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// buildTimeout bounds the first build of the binaries on a cold machine.
const buildTimeout = 30 * time.Minute

// Lazy is one control plane shared by the tests of a package, started by
// the first test that asks for it and stopped by TestMain:
//
//	var cluster testcluster.Lazy
//
//	func TestMain(m *testing.M) { code := m.Run(); cluster.Stop(); os.Exit(code) }
//
//	func TestIntegrationX(t *testing.T) { c := cluster.Get(t) ... }
//
// Starting lazily keeps `go test -short` and unit-test runs free of it.
type Lazy struct {
	once sync.Once
	c    *Cluster
	err  error
}

// Get returns the shared control plane, starting it on first use. It skips
// the test under -short and fails it (never skips) when the control plane
// cannot be built or started.
func (l *Lazy) Get(t testing.TB) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a real control plane; skipped under -short")
	}
	l.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		if l.err = checkTime(ctx, t); l.err != nil {
			return
		}
		bin, err := EnsureBinaries(ctx)
		if err != nil {
			l.err = err
			return
		}
		l.c, l.err = Start(ctx, bin, "")
	})
	if l.err != nil {
		t.Fatalf("starting the test control plane: %v", l.err)
	}
	return l.c
}

// Stop stops the control plane if it was started.
func (l *Lazy) Stop() error {
	if l.c == nil {
		return nil
	}
	if err := l.c.Stop(); err != nil {
		return fmt.Errorf("stopping the test control plane: %w", err)
	}
	return nil
}

// New starts a private control plane for one test, with its files in
// t.TempDir(), stopped by t.Cleanup.
func New(t testing.TB) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a real control plane; skipped under -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	if err := checkTime(ctx, t); err != nil {
		t.Fatal(err)
	}
	bin, err := EnsureBinaries(ctx)
	if err != nil {
		t.Fatalf("building the control-plane binaries: %v", err)
	}
	c, err := Start(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	return c
}

// checkTime fails early, with the command to run, when the binaries still
// have to be built and the test binary's -timeout would kill the build
// midway (go test's default is 10 minutes; a cold build takes longer on a
// busy machine).
func checkTime(ctx context.Context, t testing.TB) error {
	d, ok := t.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return nil
	}
	deadline, ok := d.Deadline()
	if !ok || time.Until(deadline) > buildTimeout {
		return nil
	}
	stale, err := Stale(ctx)
	if err != nil || !stale {
		return err
	}
	return fmt.Errorf("the control-plane binaries are not built yet and this test binary's -timeout leaves %s: "+
		"run `bash hack/build-k8s.sh` once (minutes, cached afterwards), or `bash hack/test.sh`, which does", time.Until(deadline).Round(time.Second))
}
