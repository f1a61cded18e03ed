package helm

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devstack-dev/devstack/internal/event"
)

// An operator chart ships a CRD and a Deployment; a dependent chart creates
// a custom resource of that CRD and waits for its Ready condition.
func TestIntegrationCRDThenCustomResource(t *testing.T) {
	rec := &event.Recorder{}
	in := newClusterInstaller(t, rec)
	ns := testNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	fakeOperator(ctx, t, in, ns)

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
	if msgs := progressOf(rec, "operator"); !containsAny(msgs, "deployment/operator 0/1 ready") {
		t.Errorf("operator progress %q does not say what it waited for", msgs)
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

// A chart whose pod never becomes ready fails with its timeout and a clear
// error, its dependent is blocked, an independent component is installed.
func TestIntegrationNeverReadyBlocksDependents(t *testing.T) {
	rec := &event.Recorder{}
	in := newClusterInstaller(t, rec)
	ns := testNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	stuck := component("stuck", "app", ns, map[string]any{"unschedulable": true})
	stuck.TimeoutSeconds = 4
	after := component("after-stuck", "app", ns, nil, "stuck")
	indep := component("independent", "app", ns, nil)
	rep := runPlan(ctx, t, in, rec, stuck, after, indep)

	res := rep.Get("stuck")
	if res.State != event.Failed {
		t.Fatalf("stuck: %s, want failed", res.State)
	}
	var we *WaitError
	if !errors.As(res.Err, &we) {
		t.Fatalf("stuck: %v is not a *WaitError", res.Err)
	}
	if !errors.Is(res.Err, context.DeadlineExceeded) || we.Timeout != 4*time.Second {
		t.Errorf("stuck: %v should be a timeout of 4s", res.Err)
	}
	msg := res.Err.Error()
	t.Logf("stuck: %s", msg)
	for _, want := range []string{"deployment/stuck 0/1 ready", "Pending: 0/1 nodes are available", "node affinity/selector"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if r := rep.Get("after-stuck"); r.State != event.Blocked || r.BlockedBy != "stuck" {
		t.Errorf("after-stuck: %s blocked by %q, want blocked by stuck", r.State, r.BlockedBy)
	}
	if r := rep.Get("independent"); r.State != event.Succeeded {
		t.Errorf("independent: %s (%v), want succeeded", r.State, r.Err)
	}
	if r := releaseOf(t, in, ns, "after-stuck"); r != nil {
		t.Errorf("after-stuck was installed (revision %d)", r.Version)
	}
	if r := releaseOf(t, in, ns, "stuck"); r == nil || r.Info.Status != release.StatusFailed {
		t.Errorf("stuck release %+v, want failed", r)
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
		c.TimeoutSeconds = 5
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

// An install cancelled while waiting leaves no pending release, and the
// next run completes it.
func TestIntegrationCancelledThenRerun(t *testing.T) {
	ns := testNamespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	waiting := make(chan struct{}, 1)
	sink := event.SinkFunc(func(e event.Event) {
		if e.State == event.Progress && strings.Contains(e.Message, "widget/late") {
			select {
			case waiting <- struct{}{}:
			default:
			}
		}
	})
	in := newClusterInstaller(t, sink)
	op := component("operator", "operator", ns, nil)
	if _, err := in.Apply(ctx, op); err != nil {
		t.Fatal(err)
	}
	w := component("late", "widget", ns, nil)
	w.Wait = widgetWait("late")
	go func() {
		<-waiting
		cancel()
	}()
	_, err := in.Apply(ctx, w)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "cancelled while waiting for widget/late") {
		t.Fatalf("err = %v, want a cancelled wait", err)
	}
	if r := releaseOf(t, in, ns, "late"); r == nil || r.Info.Status.IsPending() || r.Labels[LabelDigest] != "" {
		t.Fatalf("after cancel: release %+v, want a non-pending release without digest", r)
	}

	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	fakeOperator(ctx2, t, in, ns)
	got, err := in.Apply(ctx2, w)
	if err != nil || got == Unchanged {
		t.Fatalf("re-run: %q, %v", got, err)
	}
	r := releaseOf(t, in, ns, "late")
	if r.Info.Status != release.StatusDeployed || r.Labels[LabelDigest] == "" {
		t.Fatalf("after re-run: %s, digest %q", r.Info.Status, r.Labels[LabelDigest])
	}
	if got, err := in.Apply(ctx2, w); err != nil || got != Unchanged {
		t.Fatalf("third run: %q, %v; want unchanged", got, err)
	}
}

// Releases left pending-install or pending-upgrade by a killed run are
// recovered by the next run.
func TestIntegrationPendingReleaseRecovered(t *testing.T) {
	rec := &event.Recorder{}
	in := newClusterInstaller(t, rec)
	ns := testNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := in.actionConfig(ns)

	// pending-upgrade: a deployed revision 1, then a revision 2 that a
	// killed `devstack up` never finished.
	if _, err := in.Apply(ctx, component("upg", "app", ns, nil)); err != nil {
		t.Fatal(err)
	}
	r1 := releaseOf(t, in, ns, "upg")
	r2 := *r1
	info := *r1.Info
	r2.Info, r2.Version = &info, 2
	r2.Info.Status = release.StatusPendingUpgrade
	if err := cfg.Releases.Create(&r2); err != nil {
		t.Fatal(err)
	}
	// pending-install: the first revision of a release never finished.
	r3 := *r1
	info3 := *r1.Info
	r3.Name, r3.Info, r3.Manifest = "inst", &info3, ""
	r3.Info.Status = release.StatusPendingInstall
	if err := cfg.Releases.Create(&r3); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name   string
		values map[string]any
	}{{"upg", map[string]any{"greeting": "again"}}, {"inst", nil}} {
		if _, err := in.Apply(ctx, component(c.name, "app", ns, c.values)); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r := releaseOf(t, in, ns, c.name)
		if r.Info.Status != release.StatusDeployed || r.Labels[LabelDigest] == "" {
			t.Errorf("%s: revision %d %s, want deployed with a digest", c.name, r.Version, r.Info.Status)
		}
		if !containsAny(progressOf(rec, c.name), "left pending-") {
			t.Errorf("%s: no progress event about the recovery: %q", c.name, progressOf(rec, c.name))
		}
	}
}

// A webhook with no endpoints (an operator still starting) fails the first
// attempts; the install is retried and succeeds once the webhook is gone.
func TestIntegrationTransientWebhookRetried(t *testing.T) {
	rec := &event.Recorder{}
	in := newClusterInstaller(t, rec)
	ns := testNamespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs := in.clientset
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns, Labels: map[string]string{"test.devstack.dev/webhook": ns}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Services(ns).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "hook"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "nothing"},
			Ports: []corev1.ServicePort{{Port: 443}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	fail, none, path := admissionv1.Fail, admissionv1.SideEffectClassNone, "/validate"
	hook := &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: ns},
		Webhooks: []admissionv1.ValidatingWebhook{{
			Name:                    "configmaps.test.devstack.dev",
			ClientConfig:            admissionv1.WebhookClientConfig{Service: &admissionv1.ServiceReference{Namespace: ns, Name: "hook", Path: &path}},
			Rules:                   []admissionv1.RuleWithOperations{{Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}, Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}}}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"test.devstack.dev/webhook": ns}},
			FailurePolicy:           &fail,
			SideEffects:             &none,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, hook, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The "operator" becomes ready (here: its webhook goes away) once the
	// installer has hit the fault at least once.
	go func() {
		for ctx.Err() == nil && !containsAny(progressOf(rec, "guarded"), "retrying") {
			time.Sleep(100 * time.Millisecond)
		}
		_ = cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Delete(context.Background(), ns, metav1.DeleteOptions{})
	}()
	got, err := in.Apply(ctx, component("guarded", "app", ns, nil))
	if err != nil || got != Installed {
		t.Fatalf("%q, %v; want installed after retries", got, err)
	}
	msgs := progressOf(rec, "guarded")
	t.Logf("progress: %q", msgs)
	if !containsAny(msgs, "no endpoints available for service") {
		t.Errorf("progress %q does not report the webhook fault", msgs)
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
	if err := in.Uninstall(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := in.Uninstall(ctx, op); err != nil {
		t.Fatal(err)
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
	if err := in.Uninstall(ctx, op); err != nil {
		t.Errorf("uninstalling a missing release: %v", err)
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

// Cancelled while Helm itself is creating the release (Helm v3 returns but
// keeps working in the background): the next Apply waits for that work
// instead of racing it, and completes the release.
func TestIntegrationCancelledDuringHelmThenRerun(t *testing.T) {
	ns := testNamespace(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := event.SinkFunc(func(e event.Event) {
		if e.State == event.Progress && strings.HasPrefix(e.Message, "installing ") {
			cancel()
		}
	})
	in := newClusterInstaller(t, sink)
	c := component("early", "app", ns, nil)
	if _, err := in.Apply(ctx, c); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want cancelled", err)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	got, err := in.Apply(ctx2, c)
	if err != nil || got == Unchanged {
		t.Fatalf("re-run: %q, %v", got, err)
	}
	r := releaseOf(t, in, ns, "early")
	if r.Info.Status != release.StatusDeployed || r.Labels[LabelDigest] == "" {
		t.Fatalf("after re-run: revision %d %s, digest %q", r.Version, r.Info.Status, r.Labels[LabelDigest])
	}
	t.Logf("re-run %s, revision %d", got, r.Version)
}
