package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/devstack-dev/devstack/internal/env"
)

// Exit codes, the same for every command.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks bad input: a wrong flag, a bad file, a refused prompt.
// It makes the process exit with code 2; every other error exits with 1.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// streams are the process's standard files and the machine it runs on
// (read once, here at the root), passed down so that tests run the real
// commands against buffers and an environment of their own.
type streams struct {
	in       io.Reader
	out, err io.Writer
	env      env.Env
	// args is the command line, for the state lock's holder message.
	args []string
	// intr routes Ctrl-C; nil when the process takes no signals (tests).
	intr *interrupter
}

// process is what main hands the command line: its arguments, files,
// signals and how to stop at once.
type process struct {
	args     []string
	in       io.Reader
	out, err io.Writer
	// signals are Ctrl-C and SIGTERM; nil takes none.
	signals <-chan os.Signal
	exit    func(int)
}

// run executes the command line args without signals and returns the
// process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runProcess(ctx, process{args: args, in: stdin, out: stdout, err: stderr})
}

// runProcess executes p's command line and returns the exit code.
func runProcess(ctx context.Context, p process) int {
	args, stdin, stdout, stderr := p.args, p.in, p.out, p.err
	e, err := env.FromProcess()
	if err != nil {
		fmt.Fprintln(stderr, "Error:", err)
		return exitFailure
	}
	s := &streams{in: stdin, out: stdout, err: stderr, env: e, args: args}
	if p.signals != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		s.intr = &interrupter{cancel: cancel, stderr: stderr, exit: p.exit}
		done := make(chan struct{})
		defer close(done)
		go s.intr.watch(p.signals, done)
	}
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err = root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "Error:", err)
	if isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

// isUsage reports whether err is bad input rather than a runtime failure.
func isUsage(err error) bool {
	var u usageError
	if errors.As(err, &u) {
		return true
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode() == exitUsage
	}
	// Cobra reports an unknown subcommand with an untyped error.
	return strings.HasPrefix(err.Error(), "unknown command ")
}

func newRootCmd(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "devstack",
		Short: "The whole platform of a production Kubernetes setup on your laptop, in one command",
		Long: `devstack creates a kind cluster, installs the platform (ingress, operators,
monitoring, databases, applications) as Helm releases in dependency order,
and makes http://grafana.local and the other hosts work from your browser.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Cobra reports unknown flags and wrong arguments through this hook;
	// they are usage errors (exit 2).
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newUpCmd(s),
		newDownCmd(s),
		newResetCmd(s),
		newStatusCmd(s),
		newPlanCmd(s),
		newLintCmd(s),
		newExportCmd(s),
		newProfilesCmd(s),
		newDNSCmd(s),
		newTrustCmd(s),
		newDoctorCmd(s),
		newImagesCmd(s),
		newVersionCmd(s),
	)
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	return root
}

// wrapArgs makes argument-count errors usage errors, on c and its children.
func wrapArgs(c *cobra.Command) {
	if c.Args != nil {
		check := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := check(cmd, args); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}
