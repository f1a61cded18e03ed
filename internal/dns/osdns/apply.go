package osdns

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/devstack-dev/devstack/internal/sysfile"
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

// Apply carries out the changes in order, each as its Steps say: files
// replaced atomically with a backup until verified (sysfile), through sudo
// with exactly that file's commands when they need root. It stops at the
// first failure. Cancelling ctx (Ctrl-C) stops before the next change,
// never inside one: a change once started runs to its end.
func Apply(ctx context.Context, cs *Changeset, r Runner) error {
	for _, c := range cs.Changes {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("stopped before %s: %w", c, err)
		}
		if err := apply(ctx, c, r); err != nil {
			return err
		}
	}
	return nil
}

func apply(ctx context.Context, c Change, r Runner) error {
	switch c.Action {
	case Run:
		if r == nil {
			return fmt.Errorf("cannot run %q: no runner", strings.Join(c.Command, " "))
		}
		return r.Run(context.WithoutCancel(ctx), nil, c.argv()...)
	case Write, Remove:
		if c.file == nil {
			return fmt.Errorf("the change of %s was not planned by Plan or PlanUndo", c.Path)
		}
		return sysfile.Apply(ctx, *c.file, r)
	}
	return fmt.Errorf("unknown action %q", c.Action)
}
