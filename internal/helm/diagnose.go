package helm

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// podProblem says why a pod is not ready, in the words the user would find
// with kubectl describe: the container's waiting reason (ImagePullBackOff,
// CrashLoopBackOff), its last exit, or the scheduler's message for a
// Pending pod. It returns "" for a ready pod.
func podProblem(p *corev1.Pod) string {
	name := "pod/" + p.Name
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			return fmt.Sprintf("%s: Pending: %s", name, firstNonEmpty(c.Message, c.Reason, "not scheduled"))
		}
	}
	statuses := append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, s := range statuses {
		if w := s.State.Waiting; w != nil && w.Reason != "" && w.Reason != "PodInitializing" {
			msg := fmt.Sprintf("%s: container %s: %s", name, s.Name, w.Reason)
			if w.Message != "" {
				msg += ": " + w.Message
			}
			if t := s.LastTerminationState.Terminated; t != nil {
				msg += fmt.Sprintf(" (last exit code %d, %s)", t.ExitCode, t.Reason)
			}
			return msg
		}
		if t := s.State.Terminated; t != nil && t.ExitCode != 0 {
			return fmt.Sprintf("%s: container %s exited with code %d (%s) %s", name, s.Name, t.ExitCode, t.Reason, t.Message)
		}
	}
	if p.Status.Phase == corev1.PodFailed {
		return fmt.Sprintf("%s: Failed: %s %s", name, p.Status.Reason, p.Status.Message)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status != corev1.ConditionTrue {
			if p.Status.Phase == corev1.PodPending {
				return fmt.Sprintf("%s: Pending", name)
			}
			return fmt.Sprintf("%s: not ready (%s)", name, firstNonEmpty(c.Message, c.Reason, "readiness probe failing"))
		}
	}
	if p.Status.Phase == corev1.PodPending {
		return fmt.Sprintf("%s: Pending", name)
	}
	return ""
}

// explainPods returns the problem of the first unhealthy pod, newest
// first: after an upgrade the old pods are healthy and the new one is what
// the user needs to hear about.
func explainPods(pods []corev1.Pod) string {
	sort.Slice(pods, func(i, j int) bool {
		return pods[j].CreationTimestamp.Before(&pods[i].CreationTimestamp)
	})
	for i := range pods {
		if pods[i].DeletionTimestamp != nil {
			continue
		}
		if msg := podProblem(&pods[i]); msg != "" {
			return msg
		}
	}
	return ""
}

// diagnose looks at the pods of the first not-ready workload among objs
// and says what is wrong with them.
func (in *Installer) diagnose(ctx context.Context, objs []*unstructured.Unstructured) string {
	for _, obj := range objs {
		switch obj.GetKind() {
		case "Deployment", "StatefulSet", "DaemonSet", "Job":
		default:
			continue
		}
		if check(obj, "").Ready {
			continue
		}
		labels, _, _ := unstructured.NestedStringMap(obj.Object, "spec", "selector", "matchLabels")
		if len(labels) == 0 {
			continue
		}
		var sel []string
		for k, v := range labels {
			sel = append(sel, k+"="+v)
		}
		sort.Strings(sel)
		pods, err := in.clientset.CoreV1().Pods(obj.GetNamespace()).List(ctx, metav1.ListOptions{LabelSelector: strings.Join(sel, ",")})
		if err != nil {
			continue
		}
		if len(pods.Items) == 0 {
			return fmt.Sprintf("%s/%s has no pods: %s", strings.ToLower(obj.GetKind()), obj.GetName(), in.lastWarning(ctx, obj))
		}
		if msg := explainPods(pods.Items); msg != "" {
			return msg
		}
	}
	return ""
}

// lastWarning returns the newest warning event about obj or its
// ReplicaSets (quota exceeded, admission refused), for a workload with no
// pods at all.
func (in *Installer) lastWarning(ctx context.Context, obj *unstructured.Unstructured) string {
	evs, err := in.clientset.CoreV1().Events(obj.GetNamespace()).List(ctx, metav1.ListOptions{FieldSelector: "type=Warning"})
	if err != nil || len(evs.Items) == 0 {
		return "no warning events"
	}
	items := evs.Items
	sort.Slice(items, func(i, j int) bool { return items[j].LastTimestamp.Before(&items[i].LastTimestamp) })
	for _, e := range items {
		if strings.HasPrefix(e.InvolvedObject.Name, obj.GetName()) {
			return fmt.Sprintf("%s: %s", e.Reason, e.Message)
		}
	}
	return "no warning events"
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
