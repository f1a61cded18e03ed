package helm

import (
	"context"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/devstack-dev/devstack/internal/stack"
)

// Uninstall removes component c's release and waits, within the
// component's timeout, until its resources are gone, so that a caller
// uninstalling in reverse dependency order never removes an operator while
// the custom resources it must finalize still exist. A release that does
// not exist is not an error. Namespaces are left in place: they may hold
// other things.
func (in *Installer) Uninstall(parent context.Context, c stack.Planned) error {
	timeout := in.timeout(c)
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	ns := namespaceOf(c)
	if err := in.awaitInflight(ctx, ns, c.Name); err != nil {
		return fmt.Errorf("%s: waiting for the previous operation on the release: %w", c.Name, err)
	}
	cfg := in.actionConfig(ns)
	last, err := lastRelease(cfg, c.Name)
	if err != nil {
		return fmt.Errorf("%s: reading the release: %w", c.Name, err)
	}
	if last == nil {
		return nil
	}
	// What to wait for is read before the release record disappears. A
	// manifest whose kinds are gone (CRD removed first) cannot be mapped:
	// then there is nothing left to wait for either.
	all, _ := manifestTargets(cfg, last.Manifest)
	in.progress(c, "uninstalling")
	_, err = in.runHelm(ctx, ns, c.Name, func() (*release.Release, error) {
		u := action.NewUninstall(cfg)
		u.Timeout = timeout
		_, err := u.Run(c.Name)
		return nil, err
	})
	if err != nil {
		return fmt.Errorf("%s: uninstall: %w", c.Name, err)
	}
	var gone []target
	for _, t := range all {
		if !t.keep {
			gone = append(gone, t)
		}
	}
	return in.waitDeleted(ctx, parent, c, gone, timeout)
}

// waitDeleted polls until every target is gone.
func (in *Installer) waitDeleted(ctx, parent context.Context, c stack.Planned, ts []target, timeout time.Duration) error {
	interval := 100 * time.Millisecond
	last := ""
	for {
		var left []target
		var names []string
		for i := range ts {
			_, err := in.get(ctx, &ts[i])
			if apierrors.IsNotFound(err) {
				continue
			}
			left = append(left, ts[i])
			names = append(names, ts[i].ref())
		}
		if len(left) == 0 {
			return nil
		}
		if msg := summarize(names, 3); msg != last {
			in.progress(c, "waiting for deletion of "+msg)
			last = msg
		}
		ts = left
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				return fmt.Errorf("%s: cancelled while waiting for deletion of %s: %w", c.Name, summarize(names, 3), parent.Err())
			}
			return fmt.Errorf("%s: still there after %s: %s (finalizers pending?): %w", c.Name, timeout, summarize(names, 3), ctx.Err())
		case <-time.After(interval):
		}
		interval = min(interval*3/2, in.opts.PollInterval)
	}
}
