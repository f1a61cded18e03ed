package osdns

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Runner runs a command with stdin; Apply uses it for the commands of a
// Changeset and, through sudo, for the file changes that need root.
type Runner interface {
	Run(ctx context.Context, stdin []byte, argv ...string) error
}

// ExecRunner runs commands on this machine. sudo prompts on the terminal
// (it reads the password from /dev/tty, not from stdin).
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, stdin []byte, argv ...string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Apply carries out the changes in order. Changes that need root go
// through `sudo` with exactly that file or command; the others are made
// directly. It stops at the first failure.
func Apply(ctx context.Context, cs *Changeset, r Runner) error {
	for _, c := range cs.Changes {
		if err := apply(ctx, c, r); err != nil {
			return err
		}
	}
	return nil
}

func apply(ctx context.Context, c Change, r Runner) error {
	if c.Action == Run {
		if r == nil {
			return fmt.Errorf("cannot run %q: no runner", strings.Join(c.Command, " "))
		}
		argv := c.Command
		if c.NeedsRoot {
			argv = append([]string{"sudo", "--"}, argv...)
		}
		return r.Run(ctx, nil, argv...)
	}
	if c.NeedsRoot {
		if r == nil {
			return fmt.Errorf("%s needs root and there is no runner for sudo", c.Path)
		}
		return applySudo(ctx, c, r)
	}
	switch c.Action {
	case Write:
		return writeFile(c)
	case Remove:
		if err := os.Remove(c.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing %s: %w", c.Path, err)
		}
		return nil
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

func applySudo(ctx context.Context, c Change, r Runner) error {
	switch c.Action {
	case Write:
		if _, err := os.Stat(filepath.Dir(c.Path)); errors.Is(err, os.ErrNotExist) {
			if err := r.Run(ctx, nil, "sudo", "--", "mkdir", "-p", "-m", "0755", filepath.Dir(c.Path)); err != nil {
				return err
			}
		}
		// tee writes in place (keeps the inode, fine for bind-mounted
		// /etc/hosts); the files are small, so a partial write is unlikely.
		if err := r.Run(ctx, c.Content, "sudo", "--", "tee", c.Path); err != nil {
			return err
		}
		if c.Previous == nil {
			return r.Run(ctx, nil, "sudo", "--", "chmod", "0644", c.Path)
		}
		return nil
	case Remove:
		return r.Run(ctx, nil, "sudo", "--", "rm", "-f", "--", c.Path)
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

// writeFile writes a world-readable file (resolvers running as their own
// users must read it): atomically by rename, or in place for InPlace.
func writeFile(c Change) error {
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(c.Path), err)
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(c.Path); err == nil {
		mode = fi.Mode().Perm()
	}
	if c.InPlace {
		f, err := os.OpenFile(c.Path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
		if err != nil {
			return fmt.Errorf("writing %s: %w", c.Path, err)
		}
		_, werr := f.Write(c.Content)
		if err := errors.Join(werr, f.Close()); err != nil {
			return fmt.Errorf("writing %s: %w", c.Path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.Path), "."+filepath.Base(c.Path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", c.Path, err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(c.Content)
	if err := errors.Join(werr, tmp.Chmod(mode), tmp.Close()); err != nil {
		return fmt.Errorf("writing %s: %w", c.Path, err)
	}
	if err := os.Rename(tmp.Name(), c.Path); err != nil {
		return fmt.Errorf("writing %s: %w", c.Path, err)
	}
	return nil
}
