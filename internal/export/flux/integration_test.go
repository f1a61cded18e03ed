package flux_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/devstack-dev/devstack/internal/export/flux"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/testcluster"
)

var (
	createOpts = metav1.CreateOptions{}
	getOpts    = metav1.GetOptions{}
)

// realStack is the test stack with its charts in a Helm repository: a CRD
// provider, a consumer of its CRD, and a service depending on both.
const realStack = `apiVersion: devstack.dev/v1alpha1
kind: Stack
standalone: true
domain: flux.test
cluster: {name: kwok}
components:
  - name: operator
    namespace: fx-ops
    chart: {repo: %[1]s, name: operator, version: 0.1.0}
    values: {replicas: 1}
    timeoutSeconds: 120
  - name: widget
    namespace: fx-apps
    dependsOn: [operator]
    chart: {repo: %[1]s, name: widget, version: 0.1.0}
    values: {size: %[2]d}
    # No operator runs: the test plays it and sets the Widget's Ready.
    wait:
      - {apiVersion: test.devstack.dev/v1, kind: Widget, name: widget}
    timeoutSeconds: 120
  - name: app
    namespace: fx-apps
    dependsOn: [operator, widget]
    chart: {repo: %[1]s, name: app, version: 0.1.0}
    values: {replicas: %[3]d, greeting: %[4]q}
    timeoutSeconds: 120
`

// TestIntegrationFluxReconcilesExport exports the test stack (dev and
// prod), serves the tree over Git smart HTTP and the charts from a Helm
// repository, and lets the real Flux controllers reconcile the prod stage
// on the test control plane: every Kustomization and HelmRelease becomes
// Ready, no dependent is applied before its dependencies are Ready, and a
// change of one prod value reaches only its own HelmRelease.
func TestIntegrationFluxReconcilesExport(t *testing.T) {
	c := testcluster.New(t)
	// A cold build of the controllers takes about 20 minutes on a busy
	// machine (hack/test.sh builds them before the tests); then the test
	// itself has five.
	buildCtx, cancelBuild := context.WithTimeout(context.Background(), 40*time.Minute)
	bin := fluxBinaries(t, buildCtx)
	cancelBuild()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dyn, err := dynamic.NewForConfig(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	applyFluxCRDs(t, ctx, dyn, bin)

	chartsURL := helmRepo(t, "operator", "widget", "app")
	profiles := t.TempDir()
	writeStage := func(name string, size, replicas int, greeting string) {
		t.Helper()
		doc := fmt.Sprintf(realStack, chartsURL, size, replicas, greeting)
		if err := os.WriteFile(filepath.Join(profiles, name+".yaml"), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	exportTree := func() flux.Tree {
		t.Helper()
		var stages []flux.Stage
		for _, n := range []string{"dev", "prod"} {
			p, err := stack.Load(stack.Options{Profile: filepath.Join(profiles, n+".yaml")})
			if err != nil {
				t.Fatal(err)
			}
			stages = append(stages, flux.Stage{Name: n, Plan: p})
		}
		tree, err := flux.Export(flux.Options{Stages: stages})
		if err != nil {
			t.Fatal(err)
		}
		return tree
	}
	writeStage("dev", 1, 1, "hello dev")
	writeStage("prod", 3, 2, "hello prod")
	git := newGitServer(t)
	git.publish(t, exportTree(), "export dev+prod")

	fluxControllers(t, c, bin)
	// What `flux bootstrap` or a FluxInstance creates: the repository and
	// the Kustomization of the stage's directory.
	mustCreate(t, ctx, dyn, namespaceGVR, "", map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": flux.FluxNamespace}})
	mustCreate(t, ctx, dyn, gitRepoGVR, flux.FluxNamespace, map[string]any{
		"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
		"metadata": map[string]any{"name": flux.SourceName, "namespace": flux.FluxNamespace},
		"spec":     map[string]any{"url": git.URL, "interval": "3s", "ref": map[string]any{"branch": "main"}},
	})
	stageDir := flux.StageDir(flux.Stage{Name: "prod", Cluster: "kwok"})
	mustCreate(t, ctx, dyn, kustomizationGVR, flux.FluxNamespace, map[string]any{
		"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
		"metadata": map[string]any{"name": flux.SourceName, "namespace": flux.FluxNamespace},
		"spec": map[string]any{"interval": "10m", "path": "./" + stageDir, "prune": true,
			"sourceRef": map[string]any{"kind": "GitRepository", "name": flux.SourceName}},
	})

	components := map[string]struct {
		ns   string
		deps []string
	}{
		"operator": {"fx-ops", nil},
		"widget":   {"fx-apps", []string{"operator"}},
		"app":      {"fx-apps", []string{"operator", "widget"}},
	}
	start := time.Now()
	// widget's Kustomization is healthy only when its Widget is Ready (a
	// CEL health check); until then app, which depends on it, must not be
	// applied.
	waitFor(t, ctx, "HelmRelease widget Ready", func() (bool, string) {
		hr, err := dyn.Resource(helmReleaseGVR).Namespace("fx-apps").Get(ctx, "widget", getOpts)
		if err != nil {
			return false, err.Error()
		}
		return conditionTrue(hr, "Ready"), conditionMessage(hr, "Ready")
	})
	widgetGVR := schema.GroupVersionResource{Group: "test.devstack.dev", Version: "v1", Resource: "widgets"}
	waitFor(t, ctx, "Widget widget", func() (bool, string) {
		_, err := dyn.Resource(widgetGVR).Namespace("fx-apps").Get(ctx, "widget", getOpts)
		return err == nil, fmt.Sprint(err)
	})
	time.Sleep(3 * time.Second) // a few health-check rounds of kustomize-controller
	if k, err := dyn.Resource(kustomizationGVR).Namespace(flux.FluxNamespace).Get(ctx, "widget", getOpts); err != nil || conditionTrue(k, "Ready") {
		t.Errorf("Kustomization widget is Ready (err %v) while its Widget has no Ready condition", err)
	}
	if _, err := dyn.Resource(helmReleaseGVR).Namespace("fx-apps").Get(ctx, "app", getOpts); err == nil {
		t.Errorf("HelmRelease app exists before widget is Ready")
	}
	w, err := dyn.Resource(widgetGVR).Namespace("fx-apps").Get(ctx, "widget", getOpts)
	if err != nil {
		t.Fatal(err)
	}
	w.Object["status"] = map[string]any{"conditions": []any{map[string]any{
		"type": "Ready", "status": "True", "reason": "Test", "message": "the test plays the operator",
		"lastTransitionTime": time.Now().UTC().Format(time.RFC3339)}}}
	if _, err := dyn.Resource(widgetGVR).Namespace("fx-apps").UpdateStatus(ctx, w, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("setting the Widget's Ready: %v", err)
	}
	allReady := func(what string) (map[string]*unstructured.Unstructured, map[string]*unstructured.Unstructured) {
		t.Helper()
		ks := map[string]*unstructured.Unstructured{}
		hrs := map[string]*unstructured.Unstructured{}
		waitFor(t, ctx, what, func() (bool, string) {
			for name, comp := range components {
				k, err := dyn.Resource(kustomizationGVR).Namespace(flux.FluxNamespace).Get(ctx, name, getOpts)
				if err != nil {
					return false, "Kustomization " + name + ": " + err.Error()
				}
				if !conditionTrue(k, "Ready") || !observedCurrent(k) {
					return false, "Kustomization " + name + ": " + conditionMessage(k, "Ready")
				}
				hr, err := dyn.Resource(helmReleaseGVR).Namespace(comp.ns).Get(ctx, name, getOpts)
				if err != nil {
					return false, "HelmRelease " + name + ": " + err.Error()
				}
				if !conditionTrue(hr, "Ready") || !observedCurrent(hr) {
					return false, "HelmRelease " + name + ": " + conditionMessage(hr, "Ready")
				}
				ks[name], hrs[name] = k, hr
			}
			return true, ""
		})
		return ks, hrs
	}
	ks, hrs := allReady("every Kustomization and HelmRelease Ready")
	t.Logf("prod stage converged under real Flux in %s", time.Since(start).Round(time.Second))
	for _, name := range []string{"operator", "widget", "app"} {
		t.Logf("Kustomization %s: %s; HelmRelease %s: %s", name, conditionMessage(ks[name], "Ready"), name, conditionMessage(hrs[name], "Ready"))
	}

	// A dependent's HelmRelease is created by its Kustomization's apply,
	// which must come after every dependency's Kustomization was Ready
	// (Ready includes its HelmRelease's health: the chart installed).
	for name, comp := range components {
		created := hrs[name].GetCreationTimestamp().Time
		for _, d := range comp.deps {
			ready, _ := conditionTime(ks[d], "Ready")
			if created.Before(ready) {
				t.Errorf("HelmRelease %s was created at %s, before its dependency %s was Ready at %s", name, created, d, ready)
			}
			t.Logf("%s created %s after %s Ready", name, created.Sub(ready), d)
		}
	}
	if v := configMapValue(t, ctx, dyn, "fx-apps", "app", "greeting"); v != "hello prod" {
		t.Errorf("app's ConfigMap greeting = %q, want the prod value %q", v, "hello prod")
	}

	// One prod value changes: only app's HelmRelease may change.
	generations := map[string]int64{}
	for name, hr := range hrs {
		generations[name] = hr.GetGeneration()
	}
	writeStage("prod", 3, 2, "hello prod, again")
	changed := exportTree()
	git.publish(t, changed, "prod: a new greeting")
	waitFor(t, ctx, "the new greeting in app's ConfigMap", func() (bool, string) {
		v := configMapValue(t, ctx, dyn, "fx-apps", "app", "greeting")
		return v == "hello prod, again", "greeting is " + v
	})
	_, hrs = allReady("every Kustomization and HelmRelease Ready after the change")
	for name, hr := range hrs {
		gen := hr.GetGeneration()
		t.Logf("after the prod change, HelmRelease %s: generation %d -> %d, %s", name, generations[name], gen, conditionMessage(hr, "Ready"))
		switch {
		case name == "app" && gen == generations[name]:
			t.Errorf("HelmRelease app kept generation %d: the change did not reach it", gen)
		case name != "app" && gen != generations[name]:
			t.Errorf("HelmRelease %s went from generation %d to %d: a change of app's value reached it", name, generations[name], gen)
		}
	}
	if v := configMapValue(t, ctx, dyn, "fx-apps", "app", "greeting"); !strings.HasSuffix(v, "again") {
		t.Errorf("greeting = %q", v)
	}
}

// observedCurrent reports whether the controller has seen the object's
// latest spec.
func observedCurrent(u *unstructured.Unstructured) bool {
	g, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	return g == u.GetGeneration()
}

func mustCreate(t *testing.T, ctx context.Context, dyn dynamic.Interface, gvr schema.GroupVersionResource, ns string, obj map[string]any) {
	t.Helper()
	u := &unstructured.Unstructured{Object: obj}
	var err error
	if ns == "" {
		_, err = dyn.Resource(gvr).Create(ctx, u, createOpts)
	} else {
		_, err = dyn.Resource(gvr).Namespace(ns).Create(ctx, u, createOpts)
	}
	if err != nil {
		t.Fatalf("creating %s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

func configMapValue(t *testing.T, ctx context.Context, dyn dynamic.Interface, ns, name, key string) string {
	t.Helper()
	cm, err := dyn.Resource(configMapGVR).Namespace(ns).Get(ctx, name, getOpts)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	v, _, _ := unstructured.NestedString(cm.Object, "data", key)
	return v
}
