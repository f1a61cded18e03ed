package helm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	"github.com/devstack-dev/devstack/internal/stack"
)

// target is one resource the installer waits for.
type target struct {
	gvk       schema.GroupVersionKind
	gvr       schema.GroupVersionResource // empty until mapped
	namespace string                      // empty for cluster-scoped resources
	name      string
	// condition is set for the component's stack.WaitFor entries.
	condition string
	// keep marks resources Helm leaves behind on uninstall.
	keep bool
	// uid is the object's UID when read before its deletion.
	uid types.UID
}

func (t target) ref() string { return strings.ToLower(t.gvk.Kind) + "/" + t.name }

// waitKinds are the kinds of a release's manifest whose readiness means
// something; Services (LoadBalancers included: kind has no load balancer
// to give them an address), ConfigMaps and RBAC are ready once created.
var waitKinds = map[schema.GroupKind]bool{
	{Group: "apps", Kind: "Deployment"}: true, {Group: "apps", Kind: "StatefulSet"}: true,
	{Group: "apps", Kind: "DaemonSet"}: true, {Group: "batch", Kind: "Job"}: true, {Kind: "Pod"}: true,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: true,
	{Kind: "PersistentVolumeClaim"}:                                   true,
}

// manifestTargets lists every resource of a release manifest, mapped to
// its API resource by Helm's own builder.
func manifestTargets(cfg *action.Configuration, manifest string) ([]target, error) {
	res, err := cfg.KubeClient.Build(strings.NewReader(manifest), false)
	if err != nil {
		return nil, fmt.Errorf("reading the release manifest: %w", err)
	}
	var ts []target
	for _, info := range res {
		t := target{gvk: info.Mapping.GroupVersionKind, gvr: info.Mapping.Resource, name: info.Name}
		if info.Namespaced() {
			t.namespace = info.Namespace
		}
		if acc, err := meta.Accessor(info.Object); err == nil && acc.GetAnnotations()["helm.sh/resource-policy"] == "keep" {
			t.keep = true
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// waitTargets are the manifest's resources with readiness plus the
// component's custom resources.
func waitTargets(all []target, c stack.Planned) []target {
	var ts []target
	for _, t := range all {
		if waitKinds[t.gvk.GroupKind()] {
			ts = append(ts, t)
		}
	}
	for _, w := range c.Wait {
		gv, _ := schema.ParseGroupVersion(w.APIVersion)
		ns := w.Namespace
		if ns == "" {
			ns = namespaceOf(c)
		}
		cond := w.Condition
		if cond == "" {
			cond = "Ready"
		}
		ts = append(ts, target{gvk: gv.WithKind(w.Kind), namespace: ns, name: w.Name, condition: cond})
	}
	return ts
}

// get reads one target.
func (in *Installer) get(ctx context.Context, t *target) (*unstructured.Unstructured, error) {
	if err := in.resolve(t); err != nil {
		return nil, err
	}
	return in.dynamic.Resource(t.gvr).Namespace(t.namespace).Get(ctx, t.name, metav1.GetOptions{})
}

// wait polls the targets until all are ready, one fails, or ctx ends,
// reporting what it still waits for whenever that changes. parent is the
// caller's context: when it is done the wait was cancelled, otherwise ctx's
// own deadline (the component's timeout) passed.
func (in *Installer) wait(ctx, parent context.Context, c stack.Planned, ts []target, timeout time.Duration) error {
	pending := ts
	interval := 100 * time.Millisecond
	last := ""
	for {
		o := in.observe(ctx, pending)
		if o.failed != nil {
			return &WaitError{Component: c.Name, Pending: []string{o.failedRef}, Err: o.failed,
				Reason: in.diagnose(detached(parent), []*unstructured.Unstructured{o.failedObj})}
		}
		if o.ready() {
			return nil
		}
		if msg := summarize(o.waiting, 3); msg != last {
			in.progress(c, "waiting for "+msg)
			last = msg
		}
		pending = o.pending
		select {
		case <-ctx.Done():
			return in.waitEnded(parent, c, pending, o, timeout)
		case <-time.After(interval):
		}
		interval = min(interval*3/2, in.opts.PollInterval)
	}
}

// waitEnded reports a wait whose context ended. After a timeout it takes
// one last look with a fresh context: the deadline may have cut the last
// poll short mid-read (a storage class GET that failed with "context
// deadline exceeded"), and the error must say what the targets are waiting
// for, not that a request was interrupted. A target that became ready or
// failed in that last look is reported as such. After a cancellation
// (Ctrl-C) the last complete poll is reported as it is.
func (in *Installer) waitEnded(parent context.Context, c stack.Planned, pending []target, o *observation, timeout time.Duration) error {
	dctx, cancel := context.WithTimeout(detached(parent), 10*time.Second)
	defer cancel()
	we := &WaitError{Component: c.Name, Err: errTimedOut, Timeout: timeout}
	if parent.Err() != nil {
		we.Err, we.Timeout = errCancelled, 0
	} else {
		o = in.observe(dctx, pending)
		if o.failed != nil {
			return &WaitError{Component: c.Name, Pending: []string{o.failedRef}, Err: o.failed,
				Reason: in.diagnose(dctx, []*unstructured.Unstructured{o.failedObj})}
		}
		if o.ready() {
			return nil
		}
	}
	we.Pending = o.waiting
	we.Reason = in.diagnose(dctx, o.notReady)
	return we
}

// detached keeps ctx's values but not its cancellation, for the little
// clean-up work that must happen after a cancellation (reading pods for
// the error message, marking a release failed).
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
