package helm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/devstack-dev/devstack/internal/dag"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/testcluster"
)

// cluster is the control plane shared by this package's integration tests,
// started by the first of them.
var cluster testcluster.Lazy

func TestMain(m *testing.M) {
	code := m.Run()
	if err := cluster.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var (
	widgetGVR        = schema.GroupVersionResource{Group: "test.devstack.dev", Version: "v1", Resource: "widgets"}
	clusterWidgetGVR = schema.GroupVersionResource{Group: "test.devstack.dev", Version: "v1", Resource: "clusterwidgets"}
)

// newClusterInstaller returns an Installer for the shared control plane,
// with short polls so that tests stay quick.
func newClusterInstaller(t testing.TB, sink event.Sink) *Installer {
	t.Helper()
	c := cluster.Get(t)
	if sink == nil {
		sink = event.Discard
	}
	in, err := New(Options{Kubeconfig: c.Kubeconfig, CacheDir: t.TempDir(), Sink: sink,
		PollInterval: 250 * time.Millisecond, DefaultTimeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// namespaces counts the namespaces handed out, so that -count=N runs on
// the same control plane never find the previous run's releases.
var namespaces atomic.Int64

// integrationSetup is what most integration tests start with: a recorder
// of events, an installer on the shared control plane, a namespace of the
// test's own and a context bounding the test, cancelled at its end.
func integrationSetup(t *testing.T) (*event.Recorder, *Installer, string, context.Context) {
	t.Helper()
	rec := &event.Recorder{}
	in := newClusterInstaller(t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return rec, in, testNamespace(t), ctx
}

// testNamespace derives a namespace of its own from the test's name.
func testNamespace(t testing.TB) string {
	ns := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-"))
	ns = strings.TrimPrefix(ns, "testintegration")
	ns = strings.Trim(ns, "-")
	if len(ns) > 50 {
		ns = ns[:50]
	}
	return fmt.Sprintf("t%d-%s", namespaces.Add(1), strings.Trim(ns, "-"))
}

func component(name, chartName, ns string, values map[string]any, deps ...string) stack.Planned {
	p, _ := filepath.Abs(filepath.Join("testdata", "charts", chartName))
	return stack.Planned{Component: stack.Component{Name: name, Namespace: ns, DependsOn: deps,
		Chart: &stack.Chart{Path: p}, Values: values}}
}

func widgetWait(name string) []stack.WaitFor {
	return []stack.WaitFor{{APIVersion: "test.devstack.dev/v1", Kind: "Widget", Name: name}}
}

// runPlan applies comps with the real scheduler, as `devstack up` does.
func runPlan(ctx context.Context, t testing.TB, in *Installer, sink event.Sink, comps ...stack.Planned) *dag.Report {
	t.Helper()
	byName := map[string]stack.Planned{}
	var nodes []dag.Node
	for _, c := range comps {
		byName[c.Name] = c
		nodes = append(nodes, dag.Node{Name: c.Name, Deps: c.DependsOn})
	}
	g, err := dag.New(nodes)
	if err != nil {
		t.Fatal(err)
	}
	return dag.Run(ctx, g, func(ctx context.Context, name string) (dag.Outcome, error) {
		o, err := in.Apply(ctx, byName[name])
		return dag.Outcome{Unchanged: o == Unchanged, Message: string(o)}, err
	}, dag.Options{Sink: sink})
}

// fakeOperator plays the widget operator: it sets Ready=True on every
// Widget in ns and on every ClusterWidget named after ns (cluster-scoped),
// as CloudNativePG does on its Cluster and External Secrets on its
// ClusterSecretStore, until ctx ends.
func fakeOperator(ctx context.Context, t testing.TB, in *Installer, ns string) {
	t.Helper()
	markReady := func(res dynamic.ResourceInterface, keep func(name string) bool) {
		list, err := res.List(ctx, metav1.ListOptions{})
		if err != nil {
			return
		}
		for i := range list.Items {
			w := &list.Items[i]
			if !keep(w.GetName()) {
				continue
			}
			if ok, _, _ := unstructured.NestedSlice(w.Object, "status", "conditions"); len(ok) > 0 {
				continue
			}
			_ = unstructured.SetNestedSlice(w.Object, []any{map[string]any{
				"type": "Ready", "status": "True", "reason": "Reconciled", "observedGeneration": w.GetGeneration(),
			}}, "status", "conditions")
			_, _ = res.UpdateStatus(ctx, w, metav1.UpdateOptions{})
		}
	}
	go func() {
		for ctx.Err() == nil {
			markReady(in.dynamic.Resource(widgetGVR).Namespace(ns), func(string) bool { return true })
			markReady(in.dynamic.Resource(clusterWidgetGVR), func(name string) bool { return strings.HasPrefix(name, ns+"-") })
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
	}()
}

// releaseOf reads the newest revision of a release, or nil.
func releaseOf(t testing.TB, in *Installer, ns, name string) *release.Release {
	t.Helper()
	r, err := lastRelease(in.actionConfig(ns), name)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// progressOf returns the progress messages emitted for a component.
func progressOf(rec *event.Recorder, name string) []string {
	var out []string
	for _, e := range rec.Events() {
		if e.Name == name && e.State == event.Progress {
			out = append(out, e.Message)
		}
	}
	return out
}

func containsAny(msgs []string, sub string) bool {
	for _, m := range msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}
