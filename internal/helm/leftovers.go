package helm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// LabelCreated marks the namespaces devstack created (ensureNamespace, and
// the TLS step that runs before the installs), so that a reset offers to
// remove those and never one it found.
const LabelCreated = stack.NamespaceCreatedLabel

// The kinds of Leftover.
const (
	LeftoverNamespace = "Namespace"
	LeftoverClaim     = "PersistentVolumeClaim"
	LeftoverCRD       = "CustomResourceDefinition"
)

// Leftover is something that stays in the cluster after Uninstall, as Helm
// leaves it: a namespace devstack created, a claim of a StatefulSet's
// volumeClaimTemplates (the data), a CRD from a chart's crds/ directory or
// kept by helm.sh/resource-policy: keep (deleting it deletes every custom
// resource of its kind).
type Leftover struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	// Components are the components it comes from.
	Components []string `json:"components"`
	// UID is the object's when listed: RemoveLeftovers deletes that object
	// only, never one created since under the same name.
	UID types.UID `json:"uid"`
}

// Data reports whether the leftover holds a user's data (a claim), which
// `reset --keep-data` keeps.
func (l Leftover) Data() bool { return l.Kind == LeftoverClaim }

func (l Leftover) String() string {
	switch l.Kind {
	case LeftoverNamespace:
		return "namespace " + l.Name
	case LeftoverClaim:
		return "volume claim " + l.Namespace + "/" + l.Name
	}
	return "CRD " + l.Name
}

var (
	namespaceGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	claimGVR     = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
	crdGVR       = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// Leftovers lists what Uninstall would leave behind of comps, for a caller
// that offers to remove it too: call it before uninstalling, while the
// releases still say which StatefulSets they ran. Only objects that exist
// are listed, each once (components may share a namespace or a CRD), in
// the order RemoveLeftovers deletes them. A component whose release is
// gone still lists its namespace and the CRDs of its chart's crds/.
func (in *Installer) Leftovers(ctx context.Context, comps []stack.Planned) ([]Leftover, error) {
	byKey := map[string]*Leftover{}
	var order []string
	add := func(l Leftover, component string) {
		k := l.Kind + "/" + l.Namespace + "/" + l.Name
		if have, ok := byKey[k]; ok {
			have.Components = append(have.Components, component)
			return
		}
		l.Components = []string{component}
		byKey[k] = &l
		order = append(order, k)
	}
	var errs []error
	for _, c := range comps {
		ls, err := in.leftoversOf(ctx, c)
		if err != nil {
			errs = append(errs, failed(c.Name, err))
		}
		for _, l := range ls {
			add(l, c.Name)
		}
	}
	out := make([]Leftover, 0, len(order))
	for _, k := range order {
		out = append(out, *byKey[k])
	}
	rank := map[string]int{LeftoverClaim: 0, LeftoverCRD: 1, LeftoverNamespace: 2}
	sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Kind] < rank[out[j].Kind] })
	return out, errors.Join(errs...)
}

func (in *Installer) leftoversOf(ctx context.Context, c stack.Planned) ([]Leftover, error) {
	ns := namespaceOf(c)
	var out []Leftover
	nsObj, err := in.clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	nsExists := err == nil
	switch {
	case apierrors.IsNotFound(err):
		// No namespace: none of what lived in it is left either; the CRDs
		// may be.
	case err != nil:
		return nil, fmt.Errorf("reading namespace %s: %w", ns, err)
	case nsObj.Labels[LabelCreated] == "true":
		out = append(out, Leftover{Kind: LeftoverNamespace, Name: ns, UID: nsObj.UID})
	}
	rel, err := lastRelease(in.actionConfig(ns), c.Name)
	if err != nil {
		return nil, fmt.Errorf("reading the release: %w", err)
	}
	var objs []*unstructured.Unstructured
	if rel != nil {
		if objs, err = manifestObjects(rel.Manifest); err != nil {
			return nil, err
		}
	}
	if nsExists {
		claims, err := in.statefulSetClaims(ctx, ns, objs)
		if err != nil {
			return nil, err
		}
		out = append(out, claims...)
	}
	crds, err := in.chartCRDs(ctx, c, rel, objs)
	return append(out, crds...), err
}

// statefulSetClaims lists the claims in ns that the StatefulSets' claim
// templates created: <template>-<set>-<ordinal>, whatever the replicas
// are now (a scaled-down set keeps its claims), and the manifest's claims
// kept by helm.sh/resource-policy: keep.
func (in *Installer) statefulSetClaims(ctx context.Context, ns string, objs []*unstructured.Unstructured) ([]Leftover, error) {
	var patterns []*regexp.Regexp
	kept := map[string]bool{}
	for _, o := range objs {
		switch o.GetKind() {
		case "StatefulSet":
			for _, name := range claimTemplateNames(o) {
				patterns = append(patterns, regexp.MustCompile("^"+regexp.QuoteMeta(name+"-"+o.GetName()+"-")+"[0-9]+$"))
			}
		case "PersistentVolumeClaim":
			if o.GetAnnotations()["helm.sh/resource-policy"] == "keep" {
				kept[o.GetName()] = true
			}
		}
	}
	if len(patterns) == 0 && len(kept) == 0 {
		return nil, nil
	}
	l, err := in.clientset.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing the claims in %s: %w", ns, err)
	}
	var out []Leftover
	for _, pvc := range l.Items {
		match := kept[pvc.Name]
		for _, p := range patterns {
			match = match || p.MatchString(pvc.Name)
		}
		if match {
			out = append(out, Leftover{Kind: LeftoverClaim, Namespace: ns, Name: pvc.Name, UID: pvc.UID})
		}
	}
	return out, nil
}

// chartCRDs lists the CRDs that exist of those the chart ships in crds/
// (its dependencies' included: read from the plan's chart, else from the
// release) and of the manifest's CRDs kept by resource policy.
func (in *Installer) chartCRDs(ctx context.Context, c stack.Planned, rel *release.Release, objs []*unstructured.Unstructured) ([]Leftover, error) {
	var names []string
	ch, err := in.loadChart(ctx, c)
	if err != nil && rel != nil {
		ch, err = rel.Chart, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the chart for its CRDs: %w", err)
	}
	if ch != nil {
		n, err := crdNames(ch)
		if err != nil {
			return nil, err
		}
		names = append(names, n...)
	}
	for _, o := range objs {
		if o.GetKind() == "CustomResourceDefinition" && o.GetAnnotations()["helm.sh/resource-policy"] == "keep" {
			names = append(names, o.GetName())
		}
	}
	var out []Leftover
	seen := map[string]bool{}
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		obj, err := in.dynamic.Resource(crdGVR).Get(ctx, n, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return out, fmt.Errorf("reading CRD %s: %w", n, err)
		}
		out = append(out, Leftover{Kind: LeftoverCRD, Name: n, UID: obj.GetUID()})
	}
	return out, nil
}

// crdNames reads the names of the CRDs in a chart's crds/ directories.
func crdNames(ch *chart.Chart) ([]string, error) {
	var names []string
	for _, f := range ch.CRDObjects() {
		objs, err := decodeAll(string(f.File.Data))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f.Filename, err)
		}
		for _, o := range objs {
			if o.GetKind() == "CustomResourceDefinition" && o.GetName() != "" {
				names = append(names, o.GetName())
			}
		}
	}
	return names, nil
}

// manifestObjects decodes a release manifest without the cluster (its
// kinds may be gone already).
func manifestObjects(manifest string) ([]*unstructured.Unstructured, error) {
	objs, err := decodeAll(manifest)
	if err != nil {
		return nil, fmt.Errorf("reading the release manifest: %w", err)
	}
	return objs, nil
}

func decodeAll(docs string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(docs), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

// RemoveLeftovers deletes the leftovers (as Leftovers listed them: claims,
// then CRDs, then namespaces) and waits, within timeout (zero: the
// default timeout), until they are gone. An object re-created under the
// same name since it was listed is left alone. It returns what it removed;
// on failure the rest is still there and a second call finishes the job.
func (in *Installer) RemoveLeftovers(ctx context.Context, ls []Leftover, timeout time.Duration) ([]Leftover, error) {
	if timeout <= 0 {
		timeout = in.opts.DefaultTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var removed []Leftover
	var errs []error
	for _, l := range ls {
		t, err := l.target()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		uid := l.UID
		opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
		err = in.dynamic.Resource(t.gvr).Namespace(t.namespace).Delete(wctx, l.Name, opts)
		switch {
		case err == nil, apierrors.IsNotFound(err), apierrors.IsConflict(err):
			// Conflict: the UID precondition failed, the object there now is
			// another one; the one listed is gone.
		default:
			errs = append(errs, fmt.Errorf("deleting %s: %w", l, err))
			continue
		}
		t.uid = l.UID
		if err := in.waitDeleted(wctx, ctx, l.String(), []target{t}, timeout, func(msg string) {
			in.sink.Emit(leftoverEvent(l, msg))
		}); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, l)
	}
	return removed, errors.Join(errs...)
}

func (l Leftover) target() (target, error) {
	switch l.Kind {
	case LeftoverNamespace:
		return target{gvk: schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}, gvr: namespaceGVR, name: l.Name}, nil
	case LeftoverClaim:
		return target{gvk: schema.GroupVersionKind{Version: "v1", Kind: "PersistentVolumeClaim"}, gvr: claimGVR, namespace: l.Namespace, name: l.Name}, nil
	case LeftoverCRD:
		return target{gvk: crdGVR.GroupVersion().WithKind("CustomResourceDefinition"), gvr: crdGVR, name: l.Name}, nil
	}
	return target{}, fmt.Errorf("unknown leftover kind %q", l.Kind)
}

func leftoverEvent(l Leftover, msg string) event.Event {
	name := l.String()
	if len(l.Components) > 0 {
		name = l.Components[0]
	}
	return event.Stamp(event.Event{Source: event.SourceComponent, Name: name, State: event.Progress, Message: l.String() + ": " + msg})
}
