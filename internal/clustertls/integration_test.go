package clustertls

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/testcluster"
	"github.com/devstack-dev/devstack/internal/trust"
	"github.com/devstack-dev/devstack/internal/up"
)

var cluster testcluster.Lazy

func TestMain(m *testing.M) {
	code := m.Run()
	_ = cluster.Stop()
	os.Exit(code)
}

type recorder struct {
	mu     sync.Mutex
	events []event.Event
}

func (r *recorder) Emit(e event.Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }

func (r *recorder) final(name string) (event.Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.events) - 1; i >= 0; i-- {
		if e := r.events[i]; e.Name == name && e.State.Terminal() {
			return e, true
		}
	}
	return event.Event{}, false
}

// TestIntegrationStep runs up's TLS phase against a real control plane:
// the certificate, the bundles, the intermediate, and the ClusterIssuer
// created as soon as its CRD appears (a CRD of the test's own, standing in
// for cert-manager's); a second run changes nothing.
func TestIntegrationStep(t *testing.T) {
	c := cluster.Get(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	t.Setenv(ca.EnvDir, filepath.Join(t.TempDir(), "ca"))
	plan := &stack.Plan{Domain: "local", Ingress: stack.Ingress{Namespace: "traefik", Service: "traefik"},
		Components: []stack.Planned{
			{Component: stack.Component{Name: "traefik", Namespace: "traefik"}},
			{Component: stack.Component{Name: CertManager, Namespace: "cert-manager"}},
			{Component: stack.Component{Name: "grafana", Namespace: "monitoring", Hosts: []string{"grafana.local"}}},
			{Component: stack.Component{Name: "n8n", Namespace: "apps", Hosts: []string{"n8n.local"}}},
		}}
	stateDir := t.TempDir()
	rec := &recorder{}
	step := &Step{Sink: rec, StateDir: stateDir,
		// A machine with no known trust store: the host step only warns.
		Trust: func(x *ca.CA) trust.Config {
			cfg := trust.ForMachine(t.TempDir(), x)
			cfg.OS, cfg.Home = "linux", ""
			return cfg
		},
		Verifier: trust.SystemVerifier{}}
	target := up.Target{Kubeconfig: c.Kubeconfig, Context: c.Context}
	if err := step.Ensure(ctx, plan, target); err != nil {
		t.Fatal(err)
	}
	if e, _ := rec.final(StepTrust); e.State != event.Succeeded {
		t.Errorf("host trust: %+v", e)
	}
	if e, _ := rec.final(StepCertificate); e.State != event.Succeeded || !strings.Contains(e.Message, "issued") {
		t.Errorf("certificate: %+v", e)
	}
	if !Served(stateDir, "grafana.local", time.Now()) || Served(stateDir, "other.local", time.Now()) {
		t.Error("the record does not say which hosts are served")
	}
	kc := kubernetes.NewForConfigOrDie(c.Config)
	for _, ns := range []string{"traefik", "monitoring", "apps", "cert-manager"} {
		if _, err := kc.CoreV1().ConfigMaps(ns).Get(ctx, BundleName, metav1.GetOptions{}); err != nil {
			t.Errorf("bundle in %s: %v", ns, err)
		}
	}
	if _, err := kc.CoreV1().Secrets("cert-manager").Get(ctx, IssuerName, metav1.GetOptions{}); err != nil {
		t.Errorf("intermediate secret: %v", err)
	}

	dyn := dynamic.NewForConfigOrDie(c.Config)
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "clusterissuers.cert-manager.io"},
		"spec": map[string]any{
			"group": "cert-manager.io", "scope": "Cluster",
			"names": map[string]any{"kind": "ClusterIssuer", "plural": "clusterissuers", "singular": "clusterissuer", "listKind": "ClusterIssuerList"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}},
		},
	}}
	if _, err := dyn.Resource(crds).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = dyn.Resource(crds).Delete(context.WithoutCancel(ctx), crd.GetName(), metav1.DeleteOptions{})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if e, ok := rec.final(StepIssuer); ok {
			if e.State != event.Succeeded {
				t.Fatalf("cluster issuer: %+v", e)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the ClusterIssuer was not created within 60s of its CRD")
		}
		time.Sleep(200 * time.Millisecond)
	}
	got, err := dyn.Resource(clusterIssuers).Get(ctx, IssuerName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ := unstructured.NestedString(got.Object, "spec", "ca", "secretName"); s != IssuerName {
		t.Errorf("ClusterIssuer spec.ca.secretName %q", s)
	}

	// Converged: same plan, nothing re-issued.
	rec2 := &recorder{}
	step.Sink = rec2
	if err := step.Ensure(ctx, plan, target); err != nil {
		t.Fatal(err)
	}
	if e, _ := rec2.final(StepCertificate); !strings.HasPrefix(e.Message, "in place") {
		t.Errorf("second run: %+v", e)
	}
}
