package helm

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devstack-dev/devstack/internal/stack"
)

// An aggregated ClusterRole and its member, uninstalled on a control
// plane whose clusterrole-aggregation controller may re-create the
// aggregate right after Helm deleted it: Uninstall finishes.
func TestIntegrationUninstallAggregatedClusterRole(t *testing.T) {
	_, in, ns, ctx := integrationSetup(t)
	c := component("rbac", "rbac", ns, nil)
	c.TimeoutSeconds = 30
	if _, err := in.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	// The controller has aggregated the member's rules: it watches both.
	deadline := time.Now().Add(30 * time.Second)
	for {
		cr, err := in.clientset.RbacV1().ClusterRoles().Get(ctx, ns+"-aggregate", metav1.GetOptions{})
		if err == nil && len(cr.Rules) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the aggregation controller never filled %s-aggregate: %v", ns, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	existed, err := in.Uninstall(ctx, c)
	if err != nil || !existed {
		t.Fatalf("uninstall: existed %v, %v", existed, err)
	}
	if cr, err := in.clientset.RbacV1().ClusterRoles().Get(ctx, ns+"-aggregate", metav1.GetOptions{}); err == nil {
		t.Logf("re-created by %v after the uninstall (not Helm's object: another UID)", managers(cr))
		_ = in.clientset.RbacV1().ClusterRoles().Delete(ctx, cr.Name, metav1.DeleteOptions{})
	}
}

func managers(cr *rbacv1.ClusterRole) []string {
	var out []string
	for _, m := range cr.ManagedFields {
		out = append(out, m.Manager)
	}
	return out
}

// waitDeleted, deterministically: an object deleted and re-created under
// the same name (as the aggregation controller does) does not block, and
// one that stays says what holds it.
func TestIntegrationWaitDeletedComparesUIDs(t *testing.T) {
	_, in, ns, ctx := integrationSetup(t)
	if err := in.ensureNamespace(ctx, ns); err != nil {
		t.Fatal(err)
	}
	cms := in.clientset.CoreV1().ConfigMaps(ns)
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "again"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tg := target{gvk: schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, namespace: ns, name: "again", uid: cm.UID}
	if err := cms.Delete(ctx, "again", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "again"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := in.waitDeleted(ctx, ctx, "test", []target{tg}, time.Second, func(string) {}); err != nil {
		t.Fatalf("a re-created object blocked the wait: %v", err)
	}

	held, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"test.devstack.dev/hold"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		held, err := cms.Get(context.Background(), "held", metav1.GetOptions{})
		if err == nil {
			held.Finalizers = nil
			_, _ = cms.Update(context.Background(), held, metav1.UpdateOptions{})
		}
	})
	if err := cms.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	err = in.waitDeleted(wctx, ctx, "test", []target{{gvk: tg.gvk, namespace: ns, name: "held", uid: held.UID}}, time.Second, func(string) {})
	if err == nil || !strings.Contains(err.Error(), "configmap/held (being deleted since") || !strings.Contains(err.Error(), "finalizers test.devstack.dev/hold not yet removed") {
		t.Fatalf("err = %v, want one naming the finalizer that holds configmap/held", err)
	}
	t.Logf("%v", err)
}

// Leftovers lists, before the uninstall, the namespace devstack created,
// the StatefulSet's claim and the chart's CRDs (crds/ and kept by
// resource policy); RemoveLeftovers deletes them, and a second listing
// finds nothing. A namespace devstack did not create is never listed.
func TestIntegrationLeftovers(t *testing.T) {
	_, in, ns, ctx := integrationSetup(t)
	class := localVolume(ctx, t, in, ns)
	c := component("db", "store", ns, map[string]any{"storageClass": class, "loadBalancer": false})
	if _, err := in.Apply(ctx, c); err != nil {
		t.Fatal(err)
	}
	ls, err := in.Leftovers(ctx, []stack.Planned{c})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls {
		got = append(got, l.String())
		if l.UID == "" || len(l.Components) != 1 || l.Components[0] != "db" {
			t.Errorf("%s: uid %q components %v", l, l.UID, l.Components)
		}
	}
	want := "volume claim " + ns + "/data-db-0, CRD backups.test.devstack.dev, CRD snapshots." + ns + ".test.devstack.dev, namespace " + ns
	if strings.Join(got, ", ") != want {
		t.Fatalf("leftovers =\n%s\nwant\n%s", strings.Join(got, ", "), want)
	}
	if !ls[0].Data() || ls[1].Data() {
		t.Error("only the claim holds data")
	}
	if existed, err := in.Uninstall(ctx, c); err != nil || !existed {
		t.Fatalf("uninstall: %v, %v", existed, err)
	}
	removed, err := in.RemoveLeftovers(ctx, ls, time.Minute)
	if err != nil || len(removed) != len(ls) {
		t.Fatalf("removed %v, %v; want all %d", removed, err, len(ls))
	}
	if _, err := in.clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s after RemoveLeftovers: %v, want not found", ns, err)
	}
	for _, crd := range []string{"backups.test.devstack.dev", "snapshots." + ns + ".test.devstack.dev"} {
		if _, err := in.dynamic.Resource(crdGVR).Get(ctx, crd, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("CRD %s after RemoveLeftovers: %v, want not found", crd, err)
		}
	}
	if again, err := in.Leftovers(ctx, []stack.Planned{c}); err != nil || len(again) != 0 {
		t.Errorf("leftovers after removal: %v, %v; want none", again, err)
	}

	// A namespace that was there before devstack is not offered.
	theirs := ns + "-theirs"
	if _, err := in.clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: theirs}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w := component("web", "app", theirs, nil)
	if _, err := in.Apply(ctx, w); err != nil {
		t.Fatal(err)
	}
	if ls, err := in.Leftovers(ctx, []stack.Planned{w}); err != nil || len(ls) != 0 {
		t.Errorf("leftovers of a release in the user's namespace: %v, %v; want none", ls, err)
	}
}
