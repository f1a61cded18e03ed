package helm

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

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
}

func (t target) ref() string { return strings.ToLower(t.gvk.Kind) + "/" + t.name }

// waitKinds are the kinds of a release's manifest whose readiness means
// something; Services, ConfigMaps and RBAC are ready once created.
var waitKinds = map[schema.GroupKind]bool{
	{Group: "apps", Kind: "Deployment"}: true, {Group: "apps", Kind: "StatefulSet"}: true,
	{Group: "apps", Kind: "DaemonSet"}: true, {Group: "batch", Kind: "Job"}: true, {Kind: "Pod"}: true,
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: true,
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

// get reads a target, mapping its kind first if needed (the CRD of a
// custom resource may have appeared after the run started).
func (in *Installer) get(ctx context.Context, t *target) (*unstructured.Unstructured, error) {
	if t.gvr.Resource == "" {
		m, err := in.getter.mapper.RESTMapping(t.gvk.GroupKind(), t.gvk.Version)
		if err != nil {
			in.getter.refresh()
			return nil, fmt.Errorf("kind %s is not known to the cluster yet: %w", t.gvk.Kind, err)
		}
		t.gvr = m.Resource
		if m.Scope.Name() == meta.RESTScopeNameRoot {
			t.namespace = "" // a cluster-scoped kind (a ClusterIssuer): no namespace
		}
	}
	if t.namespace == "" {
		return in.dynamic.Resource(t.gvr).Get(ctx, t.name, metav1.GetOptions{})
	}
	return in.dynamic.Resource(t.gvr).Namespace(t.namespace).Get(ctx, t.name, metav1.GetOptions{})
}

// wait polls the targets until all are ready, one fails, or ctx ends,
// reporting what it still waits for whenever that changes. parent is the
// caller's context: when it is done the wait was cancelled, otherwise ctx's
// own deadline (the component's timeout) passed.
func (in *Installer) wait(ctx, parent context.Context, c stack.Planned, ts []target, timeout time.Duration) error {
	pending := append([]target(nil), ts...)
	interval := 100 * time.Millisecond
	last := ""
	for {
		var still []target
		var waiting []string
		var objs []*unstructured.Unstructured
		for i := range pending {
			t := &pending[i]
			obj, err := in.get(ctx, t)
			switch {
			case err == nil:
			case ctx.Err() != nil:
				still = append(still, *t)
				waiting = append(waiting, t.ref())
				continue
			case apierrors.IsNotFound(err):
				still = append(still, *t)
				waiting = append(waiting, t.ref()+" not created yet")
				continue
			default:
				still = append(still, *t)
				waiting = append(waiting, fmt.Sprintf("%s: %v", t.ref(), err))
				continue
			}
			r := check(obj, t.condition)
			if r.Failed != nil {
				return &WaitError{Component: c.Name, Pending: []string{t.ref()}, Err: r.Failed,
					Reason: in.diagnose(detached(parent), []*unstructured.Unstructured{obj})}
			}
			if !r.Ready {
				still = append(still, *t)
				waiting = append(waiting, r.Waiting)
				objs = append(objs, obj)
			}
		}
		if len(still) == 0 {
			return nil
		}
		if msg := summarize(waiting, 3); msg != last {
			in.progress(c, "waiting for "+msg)
			last = msg
		}
		pending = still
		select {
		case <-ctx.Done():
			we := &WaitError{Component: c.Name, Pending: waiting, Err: errTimedOut, Timeout: timeout}
			if parent.Err() != nil {
				we.Err, we.Timeout = errCancelled, 0
			}
			dctx, cancel := context.WithTimeout(detached(parent), 10*time.Second)
			we.Reason = in.diagnose(dctx, objs)
			cancel()
			return we
		case <-time.After(interval):
		}
		interval = min(interval*3/2, in.opts.PollInterval)
	}
}

// detached keeps ctx's values but not its cancellation, for the little
// clean-up work that must happen after a cancellation (reading pods for
// the error message, marking a release failed).
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
