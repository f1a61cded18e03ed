package testcluster

import (
	"context"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestIntegrationControlPlane starts a private control plane and proves the
// parts tests rely on: a private kubeconfig, the scheduler placing a pod on
// the kwok node, kwok making it Ready, and a clean stop.
func TestIntegrationControlPlane(t *testing.T) {
	c := New(t)
	t.Logf("control plane ready in %s", c.StartupTime)
	fi, err := os.Stat(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("kubeconfig mode %v, want 0600", fi.Mode().Perm())
	}
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "probe", Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/never-pulled:1"}}},
	}
	if _, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		p, err := cs.CoreV1().Pods("default").Get(ctx, "probe", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ready := false
		for _, cond := range p.Status.Conditions {
			ready = ready || cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue
		}
		if ready {
			if p.Spec.NodeName != NodeName {
				t.Errorf("pod on node %q, want %q", p.Spec.NodeName, NodeName)
			}
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pod never became ready: %+v", p.Status)
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("default").List(context.Background(), metav1.ListOptions{}); err == nil {
		t.Error("the apiserver still answers after Stop")
	}
}
