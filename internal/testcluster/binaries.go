package testcluster

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

// Components are the binaries a control plane needs.
var Components = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// EnvBinDir overrides the directory of the binaries (and where
// hack/build-k8s.sh puts them).
const EnvBinDir = "DEVSTACK_TEST_BIN"

// EnvPrebuilt, set to 1 together with EnvBinDir, makes EnsureBinaries use
// the binaries found there as they are, without hack/build-k8s.sh (a
// machine that ships them, or a build of them already under way).
const EnvPrebuilt = "DEVSTACK_TEST_PREBUILT"

// EnsureBinaries runs hack/build-k8s.sh, which builds the control-plane
// binaries on the first run on a machine (minutes) and returns at once when
// they are up to date, and returns the directory holding them. It finds the
// script by walking up from the working directory, so it works from any
// package of the repository.
func EnsureBinaries(ctx context.Context) (string, error) {
	if dir := os.Getenv(EnvBinDir); dir != "" && os.Getenv(EnvPrebuilt) == "1" {
		return dir, checkBinaries(dir, "$"+EnvBinDir)
	}
	script, err := findScript()
	if err != nil {
		return "", err
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script, "--print-dir")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("asking %s for its output directory: %w", script, err)
	}
	dir := strings.TrimSpace(out.String())

	var log bytes.Buffer
	build := exec.CommandContext(ctx, "bash", script)
	build.Stdout, build.Stderr = &log, &log
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building the control-plane binaries with %s: %w\n%s", script, err, tail(log.String(), 40))
	}
	return dir, checkBinaries(dir, script)
}

func checkBinaries(dir, from string) error {
	for _, c := range Components {
		if _, err := os.Stat(filepath.Join(dir, c)); err != nil {
			return fmt.Errorf("%s has no %s: %w", from, c, err)
		}
	}
	return nil
}

// Stale reports whether hack/build-k8s.sh would build something, that is
// whether EnsureBinaries may take minutes.
func Stale(ctx context.Context) (bool, error) {
	if os.Getenv(EnvBinDir) != "" && os.Getenv(EnvPrebuilt) == "1" {
		return false, nil
	}
	script, err := findScript()
	if err != nil {
		return false, err
	}
	err = exec.CommandContext(ctx, "bash", script, "--check").Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return false, nil
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return true, nil
	}
	return false, fmt.Errorf("%s --check: %w", script, err)
}

func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding hack/build-k8s.sh: %w", err)
	}
	for {
		p := filepath.Join(dir, "hack", "build-k8s.sh")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("hack/build-k8s.sh not found above the working directory: run the tests from inside the devstack repository")
		}
		dir = parent
	}
}

// tail returns the last n lines of s, for error messages.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
