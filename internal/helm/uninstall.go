package helm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devstack-dev/devstack/internal/stack"
)

// Uninstall removes component c's release and waits, within the
// component's timeout, until its resources are gone, so that a caller
// uninstalling in reverse dependency order never removes an operator while
// the custom resources it must finalize still exist. existed is false, and
// nothing is done, when there is no release. Namespaces, the claims of
// StatefulSets and the CRDs of crds/ are left in place, as Helm leaves
// them: Leftovers lists them.
func (in *Installer) Uninstall(parent context.Context, c stack.Planned) (existed bool, err error) {
	timeout := in.timeout(c)
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	ns := namespaceOf(c)
	if err := in.awaitInflight(ctx, ns, c.Name); err != nil {
		return false, failed(c.Name, fmt.Errorf("waiting for the previous operation on the release: %w", err))
	}
	cfg := in.actionConfig(ns)
	last, err := lastRelease(cfg, c.Name)
	if err != nil {
		return false, failed(c.Name, fmt.Errorf("reading the release: %w", err))
	}
	if last == nil {
		return false, nil
	}
	// What to wait for is read before the release record disappears, with
	// each object's UID: an object of the same name that the cluster
	// re-creates (the clusterrole-aggregation controller re-creates an
	// aggregated ClusterRole Helm deleted) is not the one deleted. A
	// manifest whose kinds are gone (CRD removed first) cannot be mapped:
	// then there is nothing left to wait for either.
	all, _ := manifestTargets(cfg, last.Manifest)
	var gone []target
	for _, t := range all {
		if t.keep {
			continue
		}
		obj, err := in.get(ctx, &t)
		if err != nil {
			// Absent already, or unreadable: nothing to tell apart later.
			if !apierrors.IsNotFound(err) {
				gone = append(gone, t)
			}
			continue
		}
		t.uid = obj.GetUID()
		gone = append(gone, t)
	}
	in.progress(c, "uninstalling")
	_, err = in.runHelm(ctx, ns, c.Name, func() (*release.Release, error) {
		u := action.NewUninstall(cfg)
		u.Timeout = timeout
		_, err := u.Run(c.Name)
		return nil, err
	})
	if err != nil {
		return true, failed(c.Name, fmt.Errorf("uninstall: %w", err))
	}
	return true, in.waitDeleted(ctx, parent, c.Name, gone, timeout, func(msg string) { in.progress(c, msg) })
}

// waitDeleted polls until every target is gone: not found, or found with
// another UID than the one recorded (re-created, not the object deleted).
func (in *Installer) waitDeleted(ctx, parent context.Context, name string, ts []target, timeout time.Duration, report func(string)) error {
	interval := 100 * time.Millisecond
	last := ""
	// What holds each object, as last read: a read the deadline cut short
	// says nothing new.
	held := map[string]string{}
	for {
		var left []target
		var names, holders []string
		for i := range ts {
			obj, err := in.get(ctx, &ts[i])
			if apierrors.IsNotFound(err) || (err == nil && ts[i].uid != "" && obj.GetUID() != ts[i].uid) {
				continue
			}
			ref := ts[i].ref()
			if err == nil || ctx.Err() == nil {
				held[ref] = ref + " " + heldBy(obj, err)
			}
			left = append(left, ts[i])
			names = append(names, ref)
			holders = append(holders, firstNonEmpty(held[ref], ref))
		}
		if len(left) == 0 {
			return nil
		}
		if msg := summarize(names, 3); msg != last {
			report("waiting for deletion of " + msg)
			last = msg
		}
		ts = left
		select {
		case <-ctx.Done():
			if parent.Err() != nil {
				return failed(name, fmt.Errorf("cancelled while waiting for deletion of %s: %w", summarize(names, 3), parent.Err()))
			}
			return failed(name, fmt.Errorf("still there after %s: %s: %w", timeout, summarize(holders, 3), ctx.Err()))
		case <-time.After(interval):
		}
		interval = min(interval*3/2, in.opts.PollInterval)
	}
}

// heldBy says what keeps an object that should be gone: the finalizers
// that must run, the owners it hangs on, or that its deletion never began.
func heldBy(obj *unstructured.Unstructured, err error) string {
	if err != nil {
		return fmt.Sprintf("(could not be read: %v)", err)
	}
	var parts []string
	if ts := obj.GetDeletionTimestamp(); ts != nil {
		parts = append(parts, "being deleted since "+ts.UTC().Format(time.RFC3339))
	} else {
		parts = append(parts, "not being deleted (no deletionTimestamp)")
	}
	if f := obj.GetFinalizers(); len(f) > 0 {
		parts = append(parts, "finalizers "+strings.Join(f, ", ")+" not yet removed (their controller must run them)")
	}
	var owners []string
	for _, o := range obj.GetOwnerReferences() {
		owners = append(owners, strings.ToLower(o.Kind)+"/"+o.Name)
	}
	if len(owners) > 0 {
		parts = append(parts, "owned by "+strings.Join(owners, ", "))
	}
	return "(" + strings.Join(parts, "; ") + ")"
}
