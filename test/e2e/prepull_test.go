package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchRate is the upstream's bandwidth in the pre-pull benchmark: a
// laptop's download link, slow enough that pulls, not the control plane,
// dominate the installs, as with the catalog's gigabytes on a real link.
const benchRate = "64mbit"

// throttleUpstream limits what the upstream sends (tc's token bucket on its
// interface, inside its network namespace) and returns the undo.
func throttleUpstream(ctx context.Context, rate string) (func(), error) {
	pid, err := docker(ctx, "inspect", "-f", "{{.State.Pid}}", upstreamContainer)
	if err != nil {
		return nil, err
	}
	tc := func(args ...string) error {
		out, err := execOut(ctx, "nsenter", append([]string{"-t", pid, "-n", "tc"}, args...)...)
		if err != nil {
			return fmt.Errorf("tc %s: %w: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	_ = tc("qdisc", "del", "dev", "eth0", "root")
	if err := tc("qdisc", "add", "dev", "eth0", "root", "tbf", "rate", rate, "burst", "64kb", "latency", "400ms"); err != nil {
		return nil, err
	}
	return func() { _ = tc("qdisc", "del", "dev", "eth0", "root") }, nil
}

// installMakespan runs up with JSON events and returns how long its
// install phase took, and the pre-pull step's own duration (0 without it).
func installMakespan(ctx context.Context, t *testing.T, c *cli, args []string) (install, prepull time.Duration) {
	t.Helper()
	out, err := c.stdout(ctx, append(args, "-o", "json")...)
	if err != nil {
		t.Fatalf("up %v: %v", args, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct {
			Source, Name, State string
			Elapsed             time.Duration
		}
		if json.Unmarshal(sc.Bytes(), &e) != nil || e.State != "succeeded" {
			continue
		}
		switch {
		case e.Source == "run" && e.Name == "install":
			install = e.Elapsed
		case e.Source == "images" && e.Name == "pre-pull":
			prepull = e.Elapsed
		}
	}
	if install == 0 {
		t.Fatalf("up %v reported no install phase:\n%s", args, out)
	}
	return install, prepull
}

// prepullBenchmark measures the installs' makespan with pre-pull over
// without it, from cold caches, with the bandwidth-limited upstream and
// the ":bench" images (hack/e2e/upstream.sh: the e2e images padded in the
// catalog's proportions). Goal: <= 0.7. Printed, never asserted.
func prepullBenchmark(ctx context.Context, t *testing.T, c *cli, p *phases, up []string, upstream string) {
	t.Helper()
	args := append(append([]string(nil), up...),
		"--set", "ingress.image="+upstream+"/traefik:bench",
		"--set", "crd-provider.image="+upstream+"/operator:bench",
		"--set", "echo.image="+upstream+"/echo:bench")
	// registryProof left the upstream stopped
	if _, err := docker(ctx, "start", upstreamContainer); err != nil {
		t.Fatal(err)
	}
	undo, err := throttleUpstream(ctx, benchRate)
	if err != nil {
		// a measurement, not a check: a machine without tc skips it
		t.Logf("PREPULL benchmark skipped: cannot limit the upstream's bandwidth: %v", err)
		return
	}
	defer undo()
	run := func(cold bool, extra ...string) (time.Duration, time.Duration) {
		if cold {
			removeRegistries(ctx, upstream)
		}
		start := time.Now()
		install, pre := installMakespan(ctx, t, c, append(append([]string(nil), args...), extra...))
		total := time.Since(start)
		if _, err := c.run(ctx, "reset", "--yes"); err != nil {
			t.Fatalf("reset: %v", err)
		}
		t.Logf("up %v: %.1fs in all, installs %.1fs, pre-pull %.1fs", extra, total.Seconds(), install.Seconds(), pre.Seconds())
		return install, total
	}
	with, withTotal := run(true)
	// The same up again after the reset above: the caches kept the images,
	// so nothing crosses the throttled link (the e2e's own WARM ratio uses
	// an unthrottled upstream on the same machine, where pulls cost little).
	_, warmTotal := run(false)
	without, withoutTotal := run(true, "--no-prepull")
	p.add("bench up, pre-pull", withTotal)
	p.add("bench up after reset, warm caches", warmTotal)
	p.add("bench up, no pre-pull", withoutTotal)
	fmt.Printf("WARM bench up after reset/cold up = %.3f (%.1fs / %.1fs; upstream %s)\n",
		warmTotal.Seconds()/withTotal.Seconds(), warmTotal.Seconds(), withTotal.Seconds(), benchRate)
	fmt.Printf("PREPULL installs makespan with/without = %.3f (%.1fs / %.1fs; whole up %.1fs / %.1fs; upstream %s; goal <= 0.7)\n",
		with.Seconds()/without.Seconds(), with.Seconds(), without.Seconds(), withTotal.Seconds(), withoutTotal.Seconds(), benchRate)
	removeRegistries(ctx, upstream)
}
