package sysfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Runner runs a command (Apply passes it the sudo commands). osdns's
// ExecRunner is one.
type Runner interface {
	Run(ctx context.Context, stdin []byte, argv ...string) error
}

// Apply makes the change c. A sudo change needs r; a direct one ignores
// it. If ctx is already done, Apply does nothing and returns its error;
// once started it runs to the end under a context that is not cancelled,
// so a Ctrl-C never leaves the file between two steps (sudo's own password
// prompt still stops on Ctrl-C, which reaches it from the terminal).
//
// On failure, the file is whole: a failure before the rename leaves the
// old file (the temporary and the backup are removed); a file that does
// not read back with the new content gets the backup back.
func Apply(ctx context.Context, c Change, r Runner) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	steps := c.plan()
	if len(steps) == 0 {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	run := func(s step) error { return s.do() }
	if c.Sudo {
		if r == nil {
			return fmt.Errorf("%s needs root and there is no runner for sudo", c.Path)
		}
		staged, cleanup, err := stage(c)
		if err != nil {
			return err
		}
		defer cleanup()
		run = func(s step) error {
			argv := append(slices.Clone(SudoPrefix), s.argv...)
			for i, a := range argv {
				argv[i] = strings.ReplaceAll(a, Staged, staged)
			}
			return r.Run(ctx, nil, argv...)
		}
	}
	var undo []step
	for _, s := range steps {
		err := run(s)
		if err == nil {
			undo = append(undo, s.undo...)
			continue
		}
		if s.check {
			var rerr error
			for _, rs := range s.restore {
				if rerr = run(rs); rerr != nil {
					break
				}
			}
			if rerr != nil {
				return fmt.Errorf("writing %s: %w; restoring its backup %s failed too: %w", c.Path, err, BackupPath(c.Path), rerr)
			}
			if len(s.restore) > 0 {
				return fmt.Errorf("writing %s: %w (its previous content is back)", c.Path, err)
			}
			return fmt.Errorf("writing %s: %w", c.Path, err)
		}
		for _, u := range slices.Backward(undo) {
			_ = run(u)
		}
		return fmt.Errorf("changing %s: %w", c.Path, err)
	}
	return nil
}

// stage writes the new content where sudo's commands read it: a private
// directory of this user (root reads it; nobody else can).
func stage(c Change) (string, func(), error) {
	if c.Remove {
		return "", func() {}, nil
	}
	dir, err := os.MkdirTemp("", "devstack-sysfile-")
	if err != nil {
		return "", nil, fmt.Errorf("staging the new %s: %w", c.Path, err)
	}
	p := filepath.Join(dir, filepath.Base(c.Path))
	if err := os.WriteFile(p, c.Content, 0o600); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("staging the new %s: %w", c.Path, err)
	}
	return p, func() { _ = os.RemoveAll(dir) }, nil
}
