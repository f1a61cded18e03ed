//go:build unix

package dns

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for `devstack dns serve
// --state-dir`: EnsureRunning re-executes it with "dns-daemon" arguments.
func TestMain(m *testing.M) {
	if len(os.Args) == 4 && os.Args[1] == "dns-daemon" {
		var cfg Config
		if err := json.Unmarshal([]byte(os.Args[3]), &cfg); err != nil {
			os.Exit(3)
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		err := RunDaemon(ctx, os.Args[2], cfg, slog.New(slog.NewTextHandler(os.Stderr, nil)))
		if err != nil {
			os.Stderr.WriteString("dns-daemon: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	serveArgs = func(stateDir string, cfg Config) []string {
		b, _ := json.Marshal(cfg)
		return []string{"dns-daemon", stateDir, string(b)}
	}
	os.Exit(m.Run())
}

func TestDaemonLifecycle(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if st := ReadStatus(dir); st.Running {
		t.Fatalf("running before start: %+v", st)
	}
	cfg := Config{Addr: "127.0.0.1:0", Domains: []string{"test"}}
	st, err := EnsureRunning(ctx, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = Stop(context.Background(), dir) })
	if !st.Running || st.PID == 0 || st.PID == os.Getpid() || st.Addr == "" {
		t.Fatalf("status after start: %+v", st)
	}
	if err := Probe(ctx, st.Addr, "test"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{PIDFile, StatusFile, LockFile, LogFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, want private", f, fi.Mode().Perm())
		}
	}
	pid, _ := os.ReadFile(filepath.Join(dir, PIDFile))
	if string(pid) != strconv.Itoa(st.PID)+"\n" {
		t.Errorf("pid file %q, want %d", pid, st.PID)
	}

	// Single instance: the same config is left alone...
	again, err := EnsureRunning(ctx, dir, cfg)
	if err != nil || again.PID != st.PID {
		t.Fatalf("second EnsureRunning: pid %d err %v, want the same pid %d", again.PID, err, st.PID)
	}
	// ...and a second daemon on the same state directory refuses to run.
	if err := RunDaemon(ctx, dir, cfg, nil); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second RunDaemon: %v, want ErrAlreadyRunning", err)
	}

	// Restarted when dead.
	if err := syscall.Kill(st.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !ReadStatus(dir).Running })
	if got := ReadStatus(dir); got.Message == "" {
		t.Errorf("dead resolver status has no message: %+v", got)
	}
	revived, err := EnsureRunning(ctx, dir, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if revived.PID == st.PID {
		t.Fatalf("not restarted: same pid %d", st.PID)
	}

	// Restarted with a new config.
	cfg2 := Config{Addr: "127.0.0.1:0", Domains: []string{"test", "local"}}
	changed, err := EnsureRunning(ctx, dir, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	if changed.PID == revived.PID || Probe(ctx, changed.Addr, "local") != nil {
		t.Fatalf("config change not applied: %+v", changed)
	}

	// Stop: gracefully, files gone, idempotent.
	if err := Stop(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if st := ReadStatus(dir); st.Running {
		t.Fatalf("running after stop: %+v", st)
	}
	for _, f := range []string{PIDFile, StatusFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s left after stop (%v)", f, err)
		}
	}
	if err := Probe(ctx, changed.Addr, "local"); err == nil {
		t.Error("resolver still answers after stop")
	}
	if err := Stop(ctx, dir); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestDaemonStartFailureShowsLog(t *testing.T) {
	dir := t.TempDir()
	// Occupy a port so the daemon cannot bind it.
	busy := startServer(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := EnsureRunning(ctx, dir, Config{Addr: busy.Addr()})
	if err == nil {
		_ = Stop(ctx, dir)
		t.Fatal("EnsureRunning succeeded on a busy port")
	}
	if want := "address already in use"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not carry the log's %q", err, want)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
