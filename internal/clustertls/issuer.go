package clustertls

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
)

var clusterIssuers = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "clusterissuers"}

// EnsureIssuer waits until the cluster serves cert-manager's ClusterIssuer
// (cert-manager installs its CRDs) and then creates or updates the
// ClusterIssuer devstack-ca, of type CA, on the intermediate's Secret.
// up runs it beside the installs: the catalog's cert-manager component
// waits for this ClusterIssuer to be Ready.
func EnsureIssuer(ctx context.Context, disco discovery.DiscoveryInterface, dyn dynamic.Interface, poll time.Duration) error {
	for {
		_, err := disco.ServerResourcesForGroupVersion(clusterIssuers.GroupVersion().String())
		if err == nil {
			break
		}
		if !apierrors.IsNotFound(err) && !discovery.IsGroupDiscoveryFailedError(err) {
			return fmt.Errorf("looking for cert-manager's API: %w", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cert-manager's ClusterIssuer API never appeared: %w", ctx.Err())
		case <-time.After(poll):
		}
	}
	want := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1",
		"kind":       "ClusterIssuer",
		"metadata":   map[string]any{"name": IssuerName, "labels": map[string]any{"app.kubernetes.io/managed-by": "devstack"}},
		"spec":       map[string]any{"ca": map[string]any{"secretName": IssuerName}},
	}}
	_, err := dyn.Resource(clusterIssuers).Apply(ctx, IssuerName, want, metav1.ApplyOptions{FieldManager: "devstack", Force: true})
	if err != nil {
		return fmt.Errorf("applying ClusterIssuer %s: %w", IssuerName, err)
	}
	return nil
}
