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

	"github.com/devstack-dev/devstack/internal/event"
)

// A chart whose pod never becomes ready fails with its timeout and a clear
// error, its dependent is blocked, an independent component is installed.
func TestIntegrationNeverReadyBlocksDependents(t *testing.T) {
	rec, in, ns, ctx := integrationSetup(t)

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

// Releases left pending-install, pending-upgrade or uninstalling by a
// killed run are recovered by the next run.
func TestIntegrationPendingReleaseRecovered(t *testing.T) {
	rec, in, ns, ctx := integrationSetup(t)
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

	// uninstalling: a killed `devstack reset`.
	r4 := *r1
	info4 := *r1.Info
	r4.Name, r4.Info, r4.Manifest = "gone", &info4, ""
	r4.Info.Status = release.StatusUninstalling
	if err := cfg.Releases.Create(&r4); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name   string
		values map[string]any
		says   string
	}{{"upg", map[string]any{"greeting": "again"}, "left pending-upgrade"}, {"inst", nil, "left pending-install"}, {"gone", nil, "finishing an uninstall"}} {
		if _, err := in.Apply(ctx, component(c.name, "app", ns, c.values)); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r := releaseOf(t, in, ns, c.name)
		if r.Info.Status != release.StatusDeployed || r.Labels[LabelDigest] == "" {
			t.Errorf("%s: revision %d %s, want deployed with a digest", c.name, r.Version, r.Info.Status)
		}
		if !containsAny(progressOf(rec, c.name), c.says) {
			t.Errorf("%s: no progress event about the recovery: %q", c.name, progressOf(rec, c.name))
		}
	}
}

// A webhook with no endpoints (an operator still starting) fails the first
// attempts; the install is retried and succeeds once the webhook is gone.
func TestIntegrationTransientWebhookRetried(t *testing.T) {
	rec, in, ns, ctx := integrationSetup(t)
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
