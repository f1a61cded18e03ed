package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// cli runs the built devstack binary with a private state, cache and
// kubeconfig, the way a user's shell would.
type cli struct {
	t      *testing.T
	bin    string
	env    []string
	logDir string
	runs   int
}

// repoRoot is the module root, two directories up from this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// buildDevstack compiles ./cmd/devstack into dir.
func buildDevstack(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "devstack")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/devstack")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building devstack: %v\n%s", err, out)
	}
	return bin
}

// run executes devstack with args, streaming its output into the test log
// (prefixed, line by line, so a long `up` shows progress) and into a file.
// It returns the combined output.
func (c *cli) run(ctx context.Context, args ...string) (string, error) {
	c.t.Helper()
	c.runs++
	logPath := filepath.Join(c.logDir, fmt.Sprintf("%02d-%s.log", c.runs, strings.Join(args[:1], "")))
	f, err := os.Create(logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	lw := &lineLogger{t: c.t, prefix: "devstack " + args[0] + ": "}
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env
	cmd.Stdout = io.MultiWriter(&buf, f, lw)
	cmd.Stderr = cmd.Stdout
	cmd.WaitDelay = 10 * time.Second
	c.t.Logf("$ devstack %s", strings.Join(args, " "))
	err = cmd.Run()
	lw.flush()
	if err != nil {
		return buf.String(), fmt.Errorf("devstack %s: %w (output in %s)", strings.Join(args, " "), err, logPath)
	}
	return buf.String(), nil
}

// stdout runs devstack and returns its standard output only (for -o json).
func (c *cli) stdout(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = c.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("devstack %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

// lineLogger writes complete lines to the test log.
type lineLogger struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.t.Log(l.prefix + string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
	return len(p), nil
}

func (l *lineLogger) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.t.Log(l.prefix + string(l.buf))
		l.buf = nil
	}
}
