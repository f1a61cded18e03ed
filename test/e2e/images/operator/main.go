// Command operator is the end-to-end test's CRD-providing component: it
// reconciles Greeting objects (e2e.devstack.dev/v1) by setting their Ready
// condition, the way real operators report readiness, so the test's
// dependent component can wait for a custom resource to become Ready.
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

var greetings = schema.GroupVersionResource{Group: "e2e.devstack.dev", Version: "v1", Resource: "greetings"}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg, err := rest.InClusterConfig()
	if err != nil {
		log.Fatalf("in-cluster config: %v", err)
	}
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		log.Fatalf("client: %v", err)
	}
	log.Printf("operator reconciling %s", greetings)
	// A level-triggered loop is enough for a test operator: every pass makes
	// every Greeting Ready.
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		if err := reconcile(ctx, client); err != nil {
			log.Printf("reconcile: %v", err)
		}
		select {
		case <-ctx.Done():
			os.Exit(0)
		case <-tick.C:
		}
	}
}

func reconcile(ctx context.Context, client dynamic.Interface) error {
	list, err := client.Resource(greetings).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for i := range list.Items {
		g := &list.Items[i]
		if ready(g) {
			continue
		}
		msg, _, _ := unstructured.NestedString(g.Object, "spec", "message")
		status := map[string]any{
			"observedGeneration": g.GetGeneration(),
			"conditions": []any{map[string]any{
				"type": "Ready", "status": "True", "reason": "Reconciled",
				"message":            "greeting: " + msg,
				"lastTransitionTime": time.Now().UTC().Format(time.RFC3339),
			}},
		}
		if err := unstructured.SetNestedField(g.Object, status, "status"); err != nil {
			return err
		}
		if _, err := client.Resource(greetings).Namespace(g.GetNamespace()).UpdateStatus(ctx, g, metav1.UpdateOptions{}); err != nil {
			return err
		}
		log.Printf("greeting %s/%s is Ready", g.GetNamespace(), g.GetName())
	}
	return nil
}

func ready(g *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(g.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if ok && m["type"] == "Ready" && m["status"] == "True" {
			return true
		}
	}
	return false
}
