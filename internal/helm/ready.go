package helm

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// readiness is one resource's state: ready, or what it waits for, or a
// failure that waiting will not fix.
type readiness struct {
	Ready   bool
	Waiting string // "deployment/grafana 0/1 ready"
	Failed  error
}

// check decides whether obj is ready. condition, when set, is the status
// condition a custom resource must have True (stack.WaitFor); kinds it does
// not know and that have no condition to wait for are ready once they exist.
func check(obj *unstructured.Unstructured, condition string) readiness {
	ref := strings.ToLower(obj.GetKind()) + "/" + obj.GetName()
	if condition != "" {
		return checkCondition(obj, ref, condition)
	}
	switch obj.GroupVersionKind().GroupKind().String() {
	case "Deployment.apps":
		var d appsv1.Deployment
		if err := convert(obj, &d); err != nil {
			return readiness{Failed: err}
		}
		return deploymentReady(&d, ref)
	case "StatefulSet.apps":
		var s appsv1.StatefulSet
		if err := convert(obj, &s); err != nil {
			return readiness{Failed: err}
		}
		return statefulSetReady(&s, ref)
	case "DaemonSet.apps":
		var d appsv1.DaemonSet
		if err := convert(obj, &d); err != nil {
			return readiness{Failed: err}
		}
		return daemonSetReady(&d, ref)
	case "Job.batch":
		var j batchv1.Job
		if err := convert(obj, &j); err != nil {
			return readiness{Failed: err}
		}
		return jobReady(&j, ref)
	case "Pod":
		var p corev1.Pod
		if err := convert(obj, &p); err != nil {
			return readiness{Failed: err}
		}
		return podReady(&p, ref)
	case "CustomResourceDefinition.apiextensions.k8s.io":
		var c apiextv1.CustomResourceDefinition
		if err := convert(obj, &c); err != nil {
			return readiness{Failed: err}
		}
		return crdReady(&c, "crd/"+c.Name)
	}
	return readiness{Ready: true}
}

func convert(obj *unstructured.Unstructured, into any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, into); err != nil {
		return fmt.Errorf("reading %s %s: %w", obj.GetKind(), obj.GetName(), err)
	}
	return nil
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// deploymentReady follows `kubectl rollout status`: every replica updated,
// old replicas gone, and the updated ones available.
func deploymentReady(d *appsv1.Deployment, ref string) readiness {
	want := replicas(d.Spec.Replicas)
	st := d.Status
	if d.Spec.Paused {
		return readiness{Ready: true}
	}
	if st.ObservedGeneration >= d.Generation && st.UpdatedReplicas >= want && st.Replicas <= st.UpdatedReplicas && st.AvailableReplicas >= st.UpdatedReplicas {
		return readiness{Ready: true}
	}
	// During a rollout the available count includes old pods; those of the
	// new revision are at least available minus the old ones.
	old := max(st.Replicas-st.UpdatedReplicas, 0)
	msg := fmt.Sprintf("%s %d/%d ready", ref, max(min(st.AvailableReplicas-old, st.UpdatedReplicas), 0), want)
	if old > 0 {
		msg += fmt.Sprintf(" (rolling out, %d old pod(s) still serving)", old)
	}
	return readiness{Waiting: msg}
}

func statefulSetReady(s *appsv1.StatefulSet, ref string) readiness {
	want := replicas(s.Spec.Replicas)
	st := s.Status
	waiting := readiness{Waiting: fmt.Sprintf("%s %d/%d ready", ref, st.ReadyReplicas, want)}
	if st.ObservedGeneration < s.Generation || st.ReadyReplicas < want {
		return waiting
	}
	if s.Spec.UpdateStrategy.Type == appsv1.RollingUpdateStatefulSetStrategyType {
		partition := int32(0)
		if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
			partition = *ru.Partition
		}
		if st.UpdatedReplicas < want-partition || (partition == 0 && st.UpdateRevision != st.CurrentRevision && st.UpdateRevision != "") {
			return readiness{Waiting: fmt.Sprintf("%s %d/%d updated", ref, st.UpdatedReplicas, want)}
		}
	}
	return readiness{Ready: true}
}

func daemonSetReady(d *appsv1.DaemonSet, ref string) readiness {
	st := d.Status
	if st.ObservedGeneration < d.Generation || st.UpdatedNumberScheduled < st.DesiredNumberScheduled || st.NumberAvailable < st.DesiredNumberScheduled {
		return readiness{Waiting: fmt.Sprintf("%s %d/%d ready", ref, st.NumberAvailable, st.DesiredNumberScheduled)}
	}
	return readiness{Ready: true}
}

func jobReady(j *batchv1.Job, ref string) readiness {
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobComplete:
			return readiness{Ready: true}
		case batchv1.JobFailed:
			return readiness{Failed: fmt.Errorf("%s failed: %s: %s", ref, c.Reason, c.Message)}
		}
	}
	want := int32(1)
	if j.Spec.Completions != nil {
		want = *j.Spec.Completions
	}
	return readiness{Waiting: fmt.Sprintf("%s %d/%d complete", ref, j.Status.Succeeded, want)}
}

func podReady(p *corev1.Pod, ref string) readiness {
	switch p.Status.Phase {
	case corev1.PodSucceeded:
		return readiness{Ready: true}
	case corev1.PodFailed:
		return readiness{Failed: fmt.Errorf("%s failed: %s", ref, podProblem(p))}
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return readiness{Ready: true}
		}
	}
	return readiness{Waiting: ref + " not ready"}
}

func crdReady(c *apiextv1.CustomResourceDefinition, ref string) readiness {
	for _, cond := range c.Status.Conditions {
		switch {
		case cond.Type == apiextv1.Established && cond.Status == apiextv1.ConditionTrue:
			return readiness{Ready: true}
		case cond.Type == apiextv1.NamesAccepted && cond.Status == apiextv1.ConditionFalse:
			return readiness{Failed: fmt.Errorf("%s names not accepted: %s", ref, cond.Message)}
		}
	}
	return readiness{Waiting: ref + " not established"}
}

// checkCondition waits for status.conditions[type=condition] to be True,
// the convention operators follow (CloudNativePG's Cluster, ScyllaCluster).
func checkCondition(obj *unstructured.Unstructured, ref, condition string) readiness {
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, raw := range conds {
		c, ok := raw.(map[string]any)
		if !ok || c["type"] != condition {
			continue
		}
		if c["status"] == "True" {
			// A condition from an older generation says nothing about this one.
			if og, ok := asInt64(c["observedGeneration"]); ok && og < obj.GetGeneration() {
				break
			}
			return readiness{Ready: true}
		}
		msg := fmt.Sprintf("%s %s=%v", ref, condition, c["status"])
		if r, _ := c["reason"].(string); r != "" {
			msg += " (" + r + ")"
		}
		return readiness{Waiting: msg}
	}
	return readiness{Waiting: fmt.Sprintf("%s waiting for condition %s", ref, condition)}
}

// asInt64 reads a JSON number, which is int64 from the API and float64
// when decoded without a schema.
func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case int:
		return int64(n), true
	}
	return 0, false
}

func refOf(obj *unstructured.Unstructured) string {
	return strings.ToLower(obj.GetKind()) + "/" + obj.GetName()
}

// podReadySince reports whether a pod's Ready condition is True and was
// reported by its kubelet since the pod's node started (since, by node
// name; a node not listed puts no bound). After a node container is
// stopped and started, the API keeps the Ready=True written before the
// stop until the restarted kubelet syncs the pod. The kubelet sets
// lastTransitionTime only when the status flips, so a pod whose restarted
// containers were already running at the kubelet's first sync keeps the
// old time: containers running since the start also prove a fresh report.
func podReadySince(p *corev1.Pod, since map[string]time.Time) bool {
	var ready *corev1.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			ready = &p.Status.Conditions[i]
		}
	}
	if ready == nil || ready.Status != corev1.ConditionTrue {
		return false
	}
	start, ok := since[p.Spec.NodeName]
	if !ok || start.IsZero() {
		return true
	}
	// API times have whole seconds.
	start = start.Truncate(time.Second)
	if !ready.LastTransitionTime.Time.Before(start) {
		return true
	}
	if len(p.Status.ContainerStatuses) == 0 {
		return false
	}
	for _, c := range p.Status.ContainerStatuses {
		if c.State.Running == nil || c.State.Running.StartedAt.Time.Before(start) {
			return false
		}
	}
	return true
}

// workloadReadySince counts a workload ready only when as many of its
// pods as it wants are ready since their node started: its status counts
// pods whose Ready condition may predate the cluster's restart.
func workloadReadySince(obj *unstructured.Unstructured, pods []corev1.Pod, since map[string]time.Time) readiness {
	ref := refOf(obj)
	var want int64
	switch obj.GetKind() {
	case "Deployment":
		if paused, _, _ := unstructured.NestedBool(obj.Object, "spec", "paused"); paused {
			return readiness{Ready: true}
		}
		want = 1
		if n, ok, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "replicas"); ok {
			want, _ = asInt64(n)
		}
	case "StatefulSet":
		want = 1
		if n, ok, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "replicas"); ok {
			want, _ = asInt64(n)
		}
	case "DaemonSet":
		n, _, _ := unstructured.NestedFieldNoCopy(obj.Object, "status", "desiredNumberScheduled")
		want, _ = asInt64(n)
	default:
		return readiness{Ready: true}
	}
	if want == 0 {
		return readiness{Ready: true}
	}
	raw, _, _ := unstructured.NestedMap(obj.Object, "spec", "selector")
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &ls); err != nil {
		return readiness{Failed: fmt.Errorf("%s: reading its selector: %w", ref, err)}
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil || sel.Empty() {
		return readiness{Failed: fmt.Errorf("%s: unusable selector %v: %v", ref, raw, err)}
	}
	var fresh int64
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp == nil && sel.Matches(labels.Set(p.Labels)) && podReadySince(p, since) {
			fresh++
		}
	}
	if fresh >= want {
		return readiness{Ready: true}
	}
	return readiness{Waiting: fmt.Sprintf("%s %d/%d ready since its node started (waiting for the kubelet to report its pods again)", ref, fresh, want)}
}

// claimInputs is what decides a pending claim besides the claim itself.
type claimInputs struct {
	class        *storagev1.StorageClass // nil: none named, or missing
	classMissing bool                    // the claim names a class that does not exist
	consumers    []corev1.Pod            // the pods that mount the claim
}

// claimState decides whether a PersistentVolumeClaim lets its component
// count as ready: Bound, or waiting for its first consumer while every pod
// that mounts it is scheduled (no pod yet: nothing waits for it; the
// scheduler binds the claim when it places the pod). A Lost claim fails.
func claimState(pvc *corev1.PersistentVolumeClaim, in claimInputs) readiness {
	ref := "pvc/" + pvc.Name
	switch pvc.Status.Phase {
	case corev1.ClaimBound:
		return readiness{Ready: true}
	case corev1.ClaimLost:
		return readiness{Failed: fmt.Errorf("%s is Lost: its PersistentVolume %q is gone; delete the claim to get a new volume (its data is lost)", ref, pvc.Spec.VolumeName)}
	}
	className := ""
	if pvc.Spec.StorageClassName != nil {
		className = *pvc.Spec.StorageClassName
	}
	switch {
	case in.classMissing:
		return readiness{Waiting: fmt.Sprintf("%s Pending: storage class %q does not exist", ref, className)}
	case className == "":
		return readiness{Waiting: ref + " Pending (no storage class: waiting for a matching PersistentVolume)"}
	}
	if in.class != nil && in.class.VolumeBindingMode != nil && *in.class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer {
		for i := range in.consumers {
			if p := &in.consumers[i]; p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
				msg := fmt.Sprintf("%s Pending (storage class %s binds at first consumer; pod/%s not scheduled yet", ref, className, p.Name)
				if why := podProblem(p); why != "" {
					msg += ": " + why
				}
				return readiness{Waiting: msg + ")"}
			}
		}
		return readiness{Ready: true}
	}
	prov := ""
	if in.class != nil {
		prov = ", provisioner " + in.class.Provisioner
	}
	return readiness{Waiting: fmt.Sprintf("%s Pending (storage class %s%s)", ref, className, prov)}
}

// consumersOf returns the pods that mount claim name.
func consumersOf(pods []corev1.Pod, name string) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range pods {
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == name {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// statefulSetClaimNames returns the claims a StatefulSet's
// volumeClaimTemplates create for its replicas: <template>-<set>-<ordinal>.
func statefulSetClaimNames(obj *unstructured.Unstructured) []string {
	tmpls, _, _ := unstructured.NestedSlice(obj.Object, "spec", "volumeClaimTemplates")
	if len(tmpls) == 0 {
		return nil
	}
	n := int64(1)
	if v, ok, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "replicas"); ok {
		n, _ = asInt64(v)
	}
	start := int64(0)
	if v, ok, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "ordinals", "start"); ok {
		start, _ = asInt64(v)
	}
	var names []string
	for _, raw := range tmpls {
		t, _ := raw.(map[string]any)
		md, _ := t["metadata"].(map[string]any)
		tn, _ := md["name"].(string)
		if tn == "" {
			continue
		}
		for i := start; i < start+n; i++ {
			names = append(names, fmt.Sprintf("%s-%s-%d", tn, obj.GetName(), i))
		}
	}
	return names
}
