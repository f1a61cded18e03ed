package helm

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

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
	tmpls := claimTemplateNames(obj)
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
	for _, tn := range tmpls {
		for i := start; i < start+n; i++ {
			names = append(names, fmt.Sprintf("%s-%s-%d", tn, obj.GetName(), i))
		}
	}
	return names
}

// claimTemplateNames are the names of a StatefulSet's volumeClaimTemplates.
func claimTemplateNames(obj *unstructured.Unstructured) []string {
	tmpls, _, _ := unstructured.NestedSlice(obj.Object, "spec", "volumeClaimTemplates")
	var names []string
	for _, raw := range tmpls {
		t, _ := raw.(map[string]any)
		md, _ := t["metadata"].(map[string]any)
		if name, _ := md["name"].(string); name != "" {
			names = append(names, name)
		}
	}
	return names
}
