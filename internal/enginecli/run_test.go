package enginecli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// client writes a fake engine client that prints msg on stderr and fails.
func client(t *testing.T, msg string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "docker")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\ncat >/dev/null\necho '"+msg+"' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestFailureKeepsTheClientsWords(t *testing.T) {
	bin := client(t, "Error response from daemon: No such container: devstack-registry")
	_, err := Run(context.Background(), bin, strings.NewReader("input"), "inspect", "devstack-registry")
	var ce *Error
	if !errors.As(err, &ce) || ce.Stderr != "Error response from daemon: No such container: devstack-registry" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.HasSuffix(err.Error(), "docker inspect devstack-registry: Error response from daemon: No such container: devstack-registry") {
		t.Errorf("message %q does not name the command and the engine's words", err)
	}
	if !NoSuch(err) || Detail(err) != ce.Stderr {
		t.Errorf("NoSuch %v, Detail %q", NoSuch(err), Detail(err))
	}
	if other := client(t, "permission denied while trying to connect to the Docker daemon socket"); NoSuch(must(Run(context.Background(), other, nil, "ps"))) {
		t.Error("a permission error read as no such object")
	}
}

func TestMissingClientIsNamed(t *testing.T) {
	_, err := Run(context.Background(), filepath.Join(t.TempDir(), "podman"), nil, "info")
	if d := Detail(err); !strings.Contains(d, "podman is not installed") {
		t.Errorf("Detail = %q", d)
	}
}

func TestOutput(t *testing.T) {
	out, err := Run(context.Background(), "sh", strings.NewReader("hello"), "-c", "cat")
	if err != nil || string(out) != "hello" {
		t.Errorf("Run = %q, %v; want the client's stdout from stdin", out, err)
	}
}

func must(_ []byte, err error) error { return err }
