// Package enginecli runs the container engine's own command-line client
// (docker, podman), so that devstack talks to the engine exactly as the
// user's shell and kind do: the same DOCKER_HOST, context and socket. The
// kind cluster's nodes (internal/kind) and the registries
// (internal/registry) go through it.
package enginecli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strings"
)

// Error is a failed client command; it keeps what the client wrote on
// stderr, which is the engine's own explanation.
type Error struct {
	Args   []string
	Stderr string
	Err    error
}

func (e *Error) Error() string {
	if e.Stderr != "" {
		return fmt.Sprintf("%s: %s", strings.Join(e.Args, " "), e.Stderr)
	}
	return fmt.Sprintf("%s: %v", strings.Join(e.Args, " "), e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Run runs bin with args, stdin from in (nil: none), and returns its
// standard output; a failure is an *Error.
func Run(ctx context.Context, bin string, in io.Reader, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, &Error{Args: append([]string{bin}, args...), Stderr: strings.TrimSpace(stderr.String()), Err: err}
	}
	return out, nil
}

// Stderr is what the client said on stderr for err ("" when err is not a
// client's failure or it said nothing).
func Stderr(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Stderr
	}
	return ""
}

// NoSuch reports the engine's "no such container/network/volume"; Docker
// and Podman word it differently.
func NoSuch(err error) bool {
	s := strings.ToLower(Stderr(err))
	return strings.Contains(s, "no such") || strings.Contains(s, "not found") || strings.Contains(s, "could not find")
}

// Detail is the client's own words for a failure, or the exec error.
func Detail(err error) string {
	var ce *Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	if ce.Stderr != "" {
		return ce.Stderr
	}
	if errors.Is(ce.Err, exec.ErrNotFound) || errors.Is(ce.Err, fs.ErrNotExist) {
		return fmt.Sprintf("%s is not installed (not found in PATH)", ce.Args[0])
	}
	return ce.Err.Error()
}
