package helm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devstack-dev/devstack/internal/stack"
)

// An operator chart ships a CRD and a Deployment; a dependent chart creates
// a custom resource of that CRD and waits for its Ready condition.
func TestIntegrationCRDThenCustomResource(t *testing.T) {
	rec, in, ns, ctx := integrationSetup(t)
	// The fake operator marks the widget Ready only once the installer has
	// said it waits for it, so the progress report is checked
	// deterministically however fast the control plane is.
	go func() {
		for ctx.Err() == nil && !containsAny(progressOf(rec, "widget"), "waiting for") {
			time.Sleep(20 * time.Millisecond)
		}
		fakeOperator(ctx, t, in, ns)
	}()

	op := component("operator", "operator", ns, nil)
	w := component("widget", "widget", ns, map[string]any{"size": 3}, "operator")
	w.Wait = widgetWait("widget")
	rep := runPlan(ctx, t, in, rec, op, w)
	if err := rep.Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"operator", "widget"} {
		if r := rep.Get(name); r.Message != string(Installed) {
			t.Errorf("%s: %q, want installed", name, r.Message)
		}
	}
	if !rep.Get("widget").Start.After(rep.Get("operator").End) && !rep.Get("widget").Start.Equal(rep.Get("operator").End) {
		t.Error("widget started before its operator was ready")
	}
	if msgs := progressOf(rec, "widget"); containsAny(msgs, "retrying") {
		t.Errorf("widget needed retries, its CRD was not there: %q", msgs)
	}
	if msgs := progressOf(rec, "widget"); !containsAny(msgs, "waiting for") || !containsAny(msgs, "idget") {
		t.Errorf("widget progress %q does not say what it waited for", msgs)
	}
	crd, err := in.dynamic.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}).
		Get(ctx, "gizmos."+ns+".test.devstack.dev", metav1.GetOptions{})
	if err != nil || !check(crd, "").Ready {
		t.Errorf("the operator's templated CRD is not established after Apply: %v", err)
	}
	obj, err := in.dynamic.Resource(widgetGVR).Namespace(ns).Get(ctx, "widget", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if size, _, _ := unstructuredInt(obj.Object, "spec", "size"); size != 3 {
		t.Errorf("widget size %d, want 3 (the values)", size)
	}
	st, err := in.Status(ctx, w)
	if err != nil || !st.Ready || !st.Converged || st.State != "deployed" {
		t.Errorf("status = %+v, %v", st, err)
	}
}

// An upgrade with changed values is applied; a failed upgrade is rolled
// back, the previous revision keeps serving and the error says why.
func TestIntegrationUpgrade(t *testing.T) {
	in := newClusterInstaller(t, nil)
	ns := testNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	steps := []struct {
		values  map[string]any
		want    Outcome
		wantErr string
	}{
		{values: map[string]any{"greeting": "hello"}, want: Installed},
		{values: map[string]any{"greeting": "bonjour"}, want: Upgraded},
		{values: map[string]any{"greeting": "bonjour"}, want: Unchanged},
		{values: map[string]any{"greeting": "hallo", "unschedulable": true}, wantErr: "Pending: 0/1 nodes are available"},
		// After the rollback the deployed revision is the "bonjour" one again.
		{values: map[string]any{"greeting": "bonjour"}, want: Unchanged},
	}
	for i, s := range steps {
		c := component("web", "app", ns, s.values)
		if s.wantErr != "" {
			c.TimeoutSeconds = 5 // the catalog's timeout, overridden
		}
		got, err := in.Apply(ctx, c)
		if s.wantErr != "" {
			t.Logf("step %d: %v", i, err)
			var we *WaitError
			if !errors.As(err, &we) || !strings.Contains(err.Error(), s.wantErr) || we.RolledBack != 2 {
				t.Fatalf("step %d: err = %v, want a wait error with %q rolled back to 2", i, err, s.wantErr)
			}
			if !strings.Contains(err.Error(), "rolled back to revision 2") {
				t.Errorf("step %d: %q does not say it rolled back", i, err)
			}
			continue
		}
		if err != nil || got != s.want {
			t.Fatalf("step %d: %q, %v; want %q", i, got, err, s.want)
		}
	}
	cm, err := in.clientset.CoreV1().ConfigMaps(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || cm.Data["greeting"] != "bonjour" {
		t.Fatalf("configmap %v, %v: want the rolled-back greeting bonjour", cm.Data, err)
	}
	d, err := in.clientset.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Spec.Template.Spec.NodeSelector) != 0 || d.Status.AvailableReplicas != 1 {
		t.Errorf("deployment after rollback: nodeSelector %v, %d available; want none and 1", d.Spec.Template.Spec.NodeSelector, d.Status.AvailableReplicas)
	}
	if r := releaseOf(t, in, ns, "web"); r.Info.Status != release.StatusDeployed || r.Version != 4 {
		t.Errorf("release revision %d %s, want 4 deployed (the rollback)", r.Version, r.Info.Status)
	}
}

// A converged re-run skips every release and costs one read each.
func TestIntegrationConvergedRerunSkips(t *testing.T) {
	in := newClusterInstaller(t, nil)
	ns := testNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	comps := []string{"a", "b", "c"}
	// "c" also runs a Job, which the first Apply waits to complete.
	values := func(name string) map[string]any { return map[string]any{"greeting": name, "job": name == "c"} }
	for _, name := range comps {
		if got, err := in.Apply(ctx, component(name, "app", ns, values(name))); err != nil || got != Installed {
			t.Fatalf("%s: %q, %v", name, got, err)
		}
	}
	job, err := in.clientset.BatchV1().Jobs(ns).Get(ctx, "c-migrate", metav1.GetOptions{})
	if err != nil || job.Status.Succeeded != 1 {
		t.Fatalf("job c-migrate not complete after Apply: %v", err)
	}
	start := time.Now()
	for _, name := range comps {
		if got, err := in.Apply(ctx, component(name, "app", ns, values(name))); err != nil || got != Unchanged {
			t.Fatalf("re-run %s: %q, %v; want unchanged", name, got, err)
		}
	}
	t.Logf("converged re-run: %s for %d releases", time.Since(start), len(comps))
	for _, name := range comps {
		if r := releaseOf(t, in, ns, name); r.Version != 1 {
			t.Errorf("%s: revision %d, want 1 (no upgrade on a converged run)", name, r.Version)
		}
	}
}

// Uninstall in reverse dependency order removes releases and waits until
// their resources are gone.
func TestIntegrationUninstall(t *testing.T) {
	in := newClusterInstaller(t, nil)
	ns := testNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fakeOperator(ctx, t, in, ns)
	op := component("operator", "operator", ns, nil)
	w := component("gadget", "widget", ns, nil, "operator")
	w.Wait = widgetWait("gadget")
	if err := runPlan(ctx, t, in, nil, op, w).Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []stack.Planned{w, op} {
		if existed, err := in.Uninstall(ctx, c); err != nil || !existed {
			t.Fatalf("uninstall %s: existed %v, %v", c.Name, existed, err)
		}
	}
	for _, name := range []string{"operator", "gadget"} {
		if r := releaseOf(t, in, ns, name); r != nil {
			t.Errorf("%s still has revision %d", name, r.Version)
		}
	}
	if _, err := in.clientset.AppsV1().Deployments(ns).Get(ctx, "operator", metav1.GetOptions{}); err == nil {
		t.Error("the operator Deployment is still there")
	}
	if _, err := in.dynamic.Resource(widgetGVR).Namespace(ns).Get(ctx, "gadget", metav1.GetOptions{}); err == nil {
		t.Error("the widget is still there")
	}
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if _, err := in.dynamic.Resource(crds).Get(ctx, "gizmos."+ns+".test.devstack.dev", metav1.GetOptions{}); err == nil {
		t.Error("the operator's templated CRD is still there")
	}
	if existed, err := in.Uninstall(ctx, op); err != nil || existed {
		t.Errorf("uninstalling a missing release: existed %v, %v; want false, nil", existed, err)
	}
	if st, err := in.Status(ctx, op); err != nil || st.Installed {
		t.Errorf("status after uninstall: %+v, %v", st, err)
	}
}

func unstructuredInt(obj map[string]any, fields ...string) (int64, bool, error) {
	var cur any = obj
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			return 0, false, nil
		}
		cur = m[f]
	}
	n, ok := asInt64(cur)
	return n, ok, nil
}

// A component waits on a cluster-scoped custom resource (as eso-config on
// External Secrets' ClusterSecretStore): the wait reads it without a
// namespace, even when the catalog entry names one, and ends once the
// operator sets its condition.
func TestIntegrationWaitClusterScoped(t *testing.T) {
	rec, in, ns, ctx := integrationSetup(t)
	// The operator marks the ClusterWidget Ready only once the installer
	// has said it waits for it: the wait must have found the object.
	go func() {
		for ctx.Err() == nil && !containsAny(progressOf(rec, "store"), "clusterwidget/"+ns+"-store") {
			time.Sleep(20 * time.Millisecond)
		}
		fakeOperator(ctx, t, in, ns)
	}()
	op := component("operator", "operator", ns, nil)
	w := component("store", "widget", ns, map[string]any{"clusterWidget": true}, "operator")
	w.Wait = []stack.WaitFor{{APIVersion: "test.devstack.dev/v1", Kind: "ClusterWidget", Name: ns + "-store", Namespace: ns}}
	w.TimeoutSeconds = 30
	rep := runPlan(ctx, t, in, rec, op, w)
	if err := rep.Err(); err != nil {
		t.Fatalf("%v (progress %q)", err, progressOf(rec, "store"))
	}
	msgs := progressOf(rec, "store")
	if containsAny(msgs, "not created yet") {
		t.Errorf("the wait looked for the cluster-scoped object in a namespace: %q", msgs)
	}
	if !containsAny(msgs, "clusterwidget/"+ns+"-store waiting for condition Ready") {
		t.Errorf("progress %q does not say it waited for the condition", msgs)
	}
	obj, err := in.dynamic.Resource(clusterWidgetGVR).Get(ctx, ns+"-store", metav1.GetOptions{})
	if err != nil || !check(obj, "Ready").Ready {
		t.Fatalf("the ClusterWidget is not Ready after Apply: %v", err)
	}
	if st, err := in.Status(ctx, w); err != nil || !st.Ready {
		t.Errorf("status = %+v, %v; want ready", st, err)
	}
	if _, err := in.Uninstall(ctx, w); err != nil {
		t.Fatal(err)
	}
	if _, err := in.dynamic.Resource(clusterWidgetGVR).Get(ctx, ns+"-store", metav1.GetOptions{}); err == nil {
		t.Error("the ClusterWidget is still there after Uninstall")
	}
}
