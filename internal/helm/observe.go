package helm

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// observation is one look at a component's resources.
type observation struct {
	// waiting says what is not ready ("deployment/web 0/1 ready").
	waiting []string
	// missing lists the resources that do not exist.
	missing []string
	// failed is a failure waiting will not fix (a Job that failed, a
	// claim whose volume is lost); failedRef names it, failedObj is it.
	failed    error
	failedRef string
	failedObj *unstructured.Unstructured
	// notReady are the objects that exist but are not ready, for diagnose.
	notReady []*unstructured.Unstructured
	// pending are the targets still to wait for.
	pending []target
}

func (o *observation) ready() bool { return o.failed == nil && len(o.pending) == 0 }

// poll reads the objects of one look: one GET for a lone target of its
// kind and namespace, one LIST for several, and the pods, claims and
// storage classes the checks need at most once each.
type poll struct {
	in      *Installer
	lists   map[listKey]map[string]*unstructured.Unstructured
	listErr map[listKey]error
	pods    map[string][]corev1.Pod
	claims  map[string]map[string]*corev1.PersistentVolumeClaim
	classes map[string]*storagev1.StorageClass
	nsErr   map[string]error
}

type listKey struct {
	gvr       schema.GroupVersionResource
	namespace string
}

// crdKind is read one object at a time: CRDs are large, and listing all of
// a cluster's to check a few would cost more than the GETs.
var crdKind = schema.GroupKind{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}

// observe checks every target once.
func (in *Installer) observe(ctx context.Context, ts []target) *observation {
	p := &poll{in: in, lists: map[listKey]map[string]*unstructured.Unstructured{}, listErr: map[listKey]error{},
		pods: map[string][]corev1.Pod{}, claims: map[string]map[string]*corev1.PersistentVolumeClaim{},
		nsErr: map[string]error{}}
	o := &observation{}
	ts = append([]target(nil), ts...)
	group := map[listKey]int{}
	for i := range ts {
		if err := in.resolve(&ts[i]); err == nil && ts[i].gvk.GroupKind() != crdKind {
			group[listKey{ts[i].gvr, ts[i].namespace}]++
		}
	}
	for i := range ts {
		t := ts[i]
		obj, err := p.read(ctx, &t, group[listKey{t.gvr, t.namespace}] > 1)
		switch {
		case err == nil:
		case ctx.Err() != nil:
			// The wait ended: the timeout error lists the target, not the
			// cancelled request.
			o.pending = append(o.pending, t)
			o.waiting = append(o.waiting, t.ref())
			continue
		case apierrors.IsNotFound(err):
			o.pending = append(o.pending, t)
			o.waiting = append(o.waiting, t.ref()+" not created yet")
			o.missing = append(o.missing, t.ref())
			continue
		default:
			o.pending = append(o.pending, t)
			o.waiting = append(o.waiting, fmt.Sprintf("%s: %v", t.ref(), err))
			continue
		}
		r := p.check(ctx, obj, t)
		if r.Failed != nil {
			o.failed, o.failedRef, o.failedObj = r.Failed, t.ref(), obj
			return o
		}
		if !r.Ready {
			o.pending = append(o.pending, t)
			o.waiting = append(o.waiting, r.Waiting)
			o.notReady = append(o.notReady, obj)
		}
	}
	return o
}

// resolve maps a target's kind to its API resource (the CRD of a custom
// resource may have appeared after the run started) and drops the
// namespace of a cluster-scoped kind.
func (in *Installer) resolve(t *target) error {
	if t.gvr.Resource != "" {
		return nil
	}
	m, err := in.getter.mapper.RESTMapping(t.gvk.GroupKind(), t.gvk.Version)
	if err != nil {
		in.getter.refresh()
		return fmt.Errorf("kind %s is not known to the cluster yet: %w", t.gvk.Kind, err)
	}
	t.gvr = m.Resource
	// The catalog names a namespace for every wait entry (the component's,
	// by default); a cluster-scoped kind has none, and a namespaced GET of
	// it answers 404 forever.
	if m.Scope.Name() == meta.RESTScopeNameRoot {
		t.namespace = ""
	}
	return nil
}

func (p *poll) read(ctx context.Context, t *target, list bool) (*unstructured.Unstructured, error) {
	if err := p.in.resolve(t); err != nil {
		return nil, err
	}
	if !list {
		return p.in.dynamic.Resource(t.gvr).Namespace(t.namespace).Get(ctx, t.name, metav1.GetOptions{})
	}
	k := listKey{t.gvr, t.namespace}
	if _, done := p.lists[k]; !done && p.listErr[k] == nil {
		l, err := p.in.dynamic.Resource(t.gvr).Namespace(t.namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			p.listErr[k] = err
		} else {
			byName := make(map[string]*unstructured.Unstructured, len(l.Items))
			for i := range l.Items {
				byName[l.Items[i].GetName()] = &l.Items[i]
			}
			p.lists[k] = byName
		}
	}
	if err := p.listErr[k]; err != nil {
		return nil, err
	}
	if obj, ok := p.lists[k][t.name]; ok {
		return obj, nil
	}
	return nil, apierrors.NewNotFound(t.gvr.GroupResource(), t.name)
}

// check decides whether obj is ready: its own status, then what only other
// objects tell (pods re-reported since the cluster started, claims bound).
func (p *poll) check(ctx context.Context, obj *unstructured.Unstructured, t target) readiness {
	gk := obj.GroupVersionKind().GroupKind()
	if t.condition == "" && gk == (schema.GroupKind{Kind: "PersistentVolumeClaim"}) {
		var pvc corev1.PersistentVolumeClaim
		if err := convert(obj, &pvc); err != nil {
			return readiness{Failed: err}
		}
		return p.claimReady(ctx, &pvc)
	}
	r := check(obj, t.condition)
	if r.Failed != nil || t.condition != "" {
		return r
	}
	switch gk.String() {
	case "StatefulSet.apps":
		// A claim that cannot bind is what holds the StatefulSet back: say
		// so rather than "0/1 ready".
		if cr := p.statefulSetClaims(ctx, obj); cr.Failed != nil || !cr.Ready {
			return cr
		}
	case "Pod":
		if r.Ready && len(p.in.opts.ReadySince) > 0 {
			var pod corev1.Pod
			if err := convert(obj, &pod); err != nil {
				return readiness{Failed: err}
			}
			if pod.Status.Phase != corev1.PodSucceeded && !podReadySince(&pod, p.in.opts.ReadySince) {
				return readiness{Waiting: fmt.Sprintf("pod/%s Ready since before its node started; waiting for its kubelet to report it again", pod.Name)}
			}
		}
		return r
	}
	if !r.Ready || len(p.in.opts.ReadySince) == 0 {
		return r
	}
	switch gk.String() {
	case "Deployment.apps", "StatefulSet.apps", "DaemonSet.apps":
		pods, err := p.podsOf(ctx, obj.GetNamespace())
		if err != nil {
			return readiness{Waiting: fmt.Sprintf("%s: listing its pods: %v", refOf(obj), err)}
		}
		return workloadReadySince(obj, pods, p.in.opts.ReadySince)
	}
	return r
}

func (p *poll) podsOf(ctx context.Context, ns string) ([]corev1.Pod, error) {
	if pods, ok := p.pods[ns]; ok {
		return pods, nil
	}
	l, err := p.in.clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	p.pods[ns] = l.Items
	return l.Items, nil
}

func (p *poll) claim(ctx context.Context, ns, name string) (*corev1.PersistentVolumeClaim, error) {
	if err := p.nsErr[ns]; err != nil {
		return nil, err
	}
	if _, ok := p.claims[ns]; !ok {
		l, err := p.in.clientset.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			p.nsErr[ns] = err
			return nil, err
		}
		m := make(map[string]*corev1.PersistentVolumeClaim, len(l.Items))
		for i := range l.Items {
			m[l.Items[i].Name] = &l.Items[i]
		}
		p.claims[ns] = m
	}
	return p.claims[ns][name], nil
}

// statefulSetClaims checks the claims a StatefulSet's volumeClaimTemplates
// create for its replicas (<template>-<set>-<ordinal>); claims not created
// yet are the StatefulSet's own business.
func (p *poll) statefulSetClaims(ctx context.Context, obj *unstructured.Unstructured) readiness {
	names := statefulSetClaimNames(obj)
	if len(names) == 0 {
		return readiness{Ready: true}
	}
	var waiting []string
	for _, n := range names {
		pvc, err := p.claim(ctx, obj.GetNamespace(), n)
		if err != nil {
			return readiness{Waiting: fmt.Sprintf("%s: listing its claims: %v", refOf(obj), err)}
		}
		if pvc == nil {
			continue
		}
		r := p.claimReady(ctx, pvc)
		if r.Failed != nil {
			return r
		}
		if !r.Ready {
			waiting = append(waiting, r.Waiting)
		}
	}
	if len(waiting) > 0 {
		return readiness{Waiting: summarize(waiting, 2)}
	}
	return readiness{Ready: true}
}

// claimReady gathers what claimState needs: the claim's storage class,
// the pods that use it and, for a claim still pending, the newest event
// about it (the PV controller's or the provisioner's words).
func (p *poll) claimReady(ctx context.Context, pvc *corev1.PersistentVolumeClaim) readiness {
	if pvc.Status.Phase == corev1.ClaimBound {
		return readiness{Ready: true}
	}
	in := claimInputs{}
	if name := pvc.Spec.StorageClassName; name != nil && *name != "" {
		sc, err := p.class(ctx, *name)
		switch {
		case apierrors.IsNotFound(err):
			in.classMissing = true
		case err != nil:
			return readiness{Waiting: fmt.Sprintf("pvc/%s: reading storage class %s: %v", pvc.Name, *name, err)}
		default:
			in.class = sc
		}
	}
	if pods, err := p.podsOf(ctx, pvc.Namespace); err == nil {
		in.consumers = consumersOf(pods, pvc.Name)
	}
	r := claimState(pvc, in)
	if !r.Ready && r.Failed == nil {
		if msg := p.in.lastEventOf(ctx, pvc.Namespace, "PersistentVolumeClaim", pvc.Name); msg != "" {
			r.Waiting += ": " + msg
		}
	}
	return r
}

func (p *poll) class(ctx context.Context, name string) (*storagev1.StorageClass, error) {
	if p.classes == nil {
		p.classes = map[string]*storagev1.StorageClass{}
	}
	if sc, ok := p.classes[name]; ok {
		if sc == nil {
			return nil, apierrors.NewNotFound(storagev1.Resource("storageclasses"), name)
		}
		return sc, nil
	}
	sc, err := p.in.clientset.StorageV1().StorageClasses().Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		p.classes[name] = nil
		return nil, err
	case err != nil:
		return nil, err
	}
	p.classes[name] = sc
	return sc, nil
}

// lastEventOf returns "Reason: message" of the newest event about an
// object, or "".
func (in *Installer) lastEventOf(ctx context.Context, ns, kind, name string) string {
	evs, err := in.clientset.CoreV1().Events(ns).List(ctx, metav1.ListOptions{
		FieldSelector: "involvedObject.kind=" + kind + ",involvedObject.name=" + name})
	if err != nil || len(evs.Items) == 0 {
		return ""
	}
	items := evs.Items
	sort.SliceStable(items, func(i, j int) bool { return eventTime(&items[j]).Before(eventTime(&items[i])) })
	return items[0].Reason + ": " + items[0].Message
}

func eventTime(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}
