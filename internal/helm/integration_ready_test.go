package helm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devstack-dev/devstack/internal/testcluster"
)

// A StatefulSet whose claim binds at first consumer becomes ready once the
// scheduler placed its pod and bound the claim; its LoadBalancer Service,
// which nothing gives an address, is not waited on.
func TestIntegrationClaimsBindAtFirstConsumer(t *testing.T) {
	_, in, ns, ctx := integrationSetup(t)
	class := localVolume(ctx, t, in, ns)
	c := component("db", "store", ns, map[string]any{"storageClass": class})
	if got, err := in.Apply(ctx, c); err != nil || got != Installed {
		t.Fatalf("%q, %v; want installed", got, err)
	}
	pvc, err := in.clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-db-0", metav1.GetOptions{})
	if err != nil || pvc.Status.Phase != corev1.ClaimBound {
		t.Fatalf("claim data-db-0 after Apply: %v, %v; want Bound", pvc.Status.Phase, err)
	}
	svc, err := in.clientset.CoreV1().Services(ns).Get(ctx, "db", metav1.GetOptions{})
	if err != nil || svc.Spec.Type != corev1.ServiceTypeLoadBalancer || len(svc.Status.LoadBalancer.Ingress) != 0 {
		t.Fatalf("service db: %+v, %v; want a LoadBalancer without an address", svc.Status, err)
	}
	if st, err := in.Status(ctx, c); err != nil || !st.Ready {
		t.Errorf("status = %+v, %v; want ready", st, err)
	}
}

// A claim that cannot bind (its storage class does not exist) keeps the
// component not ready, and the error names the claim and why.
func TestIntegrationClaimCannotBind(t *testing.T) {
	_, in, ns, ctx := integrationSetup(t)
	c := component("bad", "store", ns, map[string]any{"storageClass": ns + "-missing", "loadBalancer": false})
	c.TimeoutSeconds = 5
	_, err := in.Apply(ctx, c)
	var we *WaitError
	if !errors.As(err, &we) {
		t.Fatalf("err = %v, want a *WaitError", err)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	for _, want := range []string{"pvc/data-bad-0 Pending", `storage class "` + ns + `-missing" does not exist`, "not found"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
}

// A converged release whose Deployment was deleted by hand is repaired by
// an upgrade to the same chart and values, and says so.
func TestIntegrationRepairDeletedDeployment(t *testing.T) {
	rec, in, ns, ctx := integrationSetup(t)
	c := component("web", "app", ns, map[string]any{"greeting": "hi"})
	if got, err := in.Apply(ctx, c); err != nil || got != Installed {
		t.Fatalf("install: %q, %v", got, err)
	}
	if err := in.clientset.AppsV1().Deployments(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := in.Apply(ctx, c)
	if err != nil || got != Repaired {
		t.Fatalf("after deleting the Deployment: %q, %v; want repaired", got, err)
	}
	if !containsAny(progressOf(rec, "web"), "deployment/web missing") {
		t.Errorf("progress %q does not say what was repaired", progressOf(rec, "web"))
	}
	d, err := in.clientset.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || d.Status.AvailableReplicas != 1 {
		t.Fatalf("deployment after the repair: %v", err)
	}
	if r := releaseOf(t, in, ns, "web"); r.Version != 2 || r.Labels[LabelDigest] == "" {
		t.Errorf("release revision %d digest %q, want 2 with a digest", r.Version, r.Labels[LabelDigest])
	}
	if got, err := in.Apply(ctx, c); err != nil || got != Unchanged {
		t.Errorf("after the repair: %q, %v; want unchanged", got, err)
	}
}

// After the cluster's node started again, a pod whose Ready condition
// predates the start is not ready, for Status and for Apply, until its
// kubelet reports it again.
func TestIntegrationReadySinceNodeStart(t *testing.T) {
	rec, in, ns, ctx := integrationSetup(t)
	c := component("web", "app", ns, nil)
	if got, err := in.Apply(ctx, c); err != nil || got != Installed {
		t.Fatalf("install: %q, %v", got, err)
	}
	// The node "restarts" now: the pod's Ready condition is older.
	started := time.Now().Add(time.Second)
	after, err := New(Options{Kubeconfig: cluster.Get(t).Kubeconfig, CacheDir: t.TempDir(), Sink: rec,
		PollInterval: 250 * time.Millisecond, ReadySince: map[string]time.Time{testcluster.NodeName: started}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := after.Status(ctx, c)
	if err != nil || st.Ready || !containsAny(st.Waiting, "deployment/web 0/1 ready since its node started") {
		t.Fatalf("status with a stale pod = %+v, %v; want not ready", st, err)
	}
	if st, err := in.Status(ctx, c); err != nil || !st.Ready {
		t.Fatalf("status without ReadySince = %+v, %v; want ready", st, err)
	}

	// The "kubelet" re-reports the pod once Apply says it waits for it.
	go func() {
		for ctx.Err() == nil && !containsAny(progressOf(rec, "web"), "waiting for deployment/web 0/1 ready since") {
			time.Sleep(50 * time.Millisecond)
		}
		pods, err := in.clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=web"})
		if err != nil {
			t.Error(err)
			return
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			for j := range p.Status.Conditions {
				if p.Status.Conditions[j].Type == corev1.PodReady {
					p.Status.Conditions[j].LastTransitionTime = metav1.NewTime(started.Add(time.Second))
				}
			}
			if _, err := in.clientset.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
				t.Error(err)
			}
		}
	}()
	got, err := after.Apply(ctx, c)
	if err != nil || got != Repaired {
		t.Fatalf("apply with a stale pod: %q, %v; want repaired once the pod is re-reported", got, err)
	}
	if st, err := after.Status(ctx, c); err != nil || !st.Ready {
		t.Errorf("status after the kubelet re-reported = %+v, %v; want ready", st, err)
	}
}

// localVolume creates a storage class that binds at first consumer and one
// volume of it the scheduler can pick (there is no provisioner here), and
// returns the class.
func localVolume(ctx context.Context, t *testing.T, in *Installer, ns string) string {
	t.Helper()
	class := ns + "-local"
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	if _, err := in.clientset.StorageV1().StorageClasses().Create(ctx, &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{Name: class}, Provisioner: "kubernetes.io/no-provisioner", VolumeBindingMode: &wffc,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = in.clientset.StorageV1().StorageClasses().Delete(context.Background(), class, metav1.DeleteOptions{})
	})
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-pv"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName:       class,
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/tmp/" + ns}},
		},
	}
	if _, err := in.clientset.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = in.clientset.CoreV1().PersistentVolumes().Delete(context.Background(), pv.Name, metav1.DeleteOptions{})
	})
	return class
}
