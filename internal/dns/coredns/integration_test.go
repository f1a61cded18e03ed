package coredns

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/testcluster"
)

// createKubeadmCoreDNS creates kube-system/coredns as kubeadm (and so kind)
// does: the Corefile ConfigMap and a Deployment reading it.
func createKubeadmCoreDNS(ctx context.Context, t *testing.T, cs kubernetes.Interface, content string) {
	t.Helper()
	_, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: Namespace}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ConfigMaps(Namespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: ConfigMap}, Data: map[string]string{corefile: content},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"k8s-app": "kube-dns"}
	one := int32(1)
	if _, err := cs.AppsV1().Deployments(Namespace).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: Deployment},
		Spec: appsv1.DeploymentSpec{Replicas: &one, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "coredns", Image: "registry.k8s.io/coredns/coredns:v1.12.0"}}}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// replicaSets counts the Deployment's ReplicaSets: each rollout restart
// makes one more.
func replicaSets(ctx context.Context, t *testing.T, cs kubernetes.Interface) int {
	t.Helper()
	l, err := cs.AppsV1().ReplicaSets(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"})
	if err != nil {
		t.Fatal(err)
	}
	return len(l.Items)
}

func awaitReplicaSets(ctx context.Context, t *testing.T, cs kubernetes.Interface, want int, what string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); replicaSets(ctx, t, cs) < want; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d ReplicaSets after a minute, want %d (CoreDNS not restarted)", what, replicaSets(ctx, t, cs), want)
		}
	}
}

// TestIntegrationConfigureAndRemove: on a real control plane, the rewrite
// is added and removed, and each change restarts CoreDNS (the Deployment's
// controller rolls a new ReplicaSet), so pods see it at once.
func TestIntegrationConfigureAndRemove(t *testing.T) {
	c := testcluster.New(t)
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	orig := readCorefile(t)
	createKubeadmCoreDNS(ctx, t, cs, orig)
	awaitReplicaSets(ctx, t, cs, 1, "the first rollout")

	if changed, err := Configure(ctx, cs, []string{"e2e.test"}, traefik); err != nil || !changed {
		t.Fatalf("Configure: changed %v, %v", changed, err)
	}
	cm, err := cs.CoreV1().ConfigMaps(Namespace).Get(ctx, ConfigMap, metav1.GetOptions{})
	if err != nil || cm.Data[corefile] == orig {
		t.Fatalf("Corefile unchanged: %v", err)
	}
	awaitReplicaSets(ctx, t, cs, 2, "after Configure")

	if changed, err := Unconfigure(ctx, cs); err != nil || !changed {
		t.Fatalf("Unconfigure: changed %v, %v", changed, err)
	}
	cm, err = cs.CoreV1().ConfigMaps(Namespace).Get(ctx, ConfigMap, metav1.GetOptions{})
	if err != nil || cm.Data[corefile] != orig {
		t.Fatalf("Corefile not restored (%v):\n%s", err, cm.Data[corefile])
	}
	awaitReplicaSets(ctx, t, cs, 3, "after Unconfigure")
	if changed, err := Unconfigure(ctx, cs); err != nil || changed {
		t.Errorf("a second Unconfigure: changed %v, %v; want nothing to do", changed, err)
	}
}
