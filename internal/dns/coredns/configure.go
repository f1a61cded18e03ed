package coredns

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Where kubeadm (and so kind) keeps CoreDNS.
const (
	Namespace  = "kube-system"
	ConfigMap  = "coredns"
	Deployment = "coredns"
	corefile   = "Corefile"
	// RestartAnnotation on the Deployment's pod template carries a hash of
	// the Corefile, so a change rolls the pods at once instead of waiting
	// for the reload plugin and the ConfigMap volume refresh (a minute or so).
	RestartAnnotation = "devstack.dev/corefile-sha256"
)

// Configure makes *.<domain> (for each domain) resolve to the target
// Service inside the cluster. It changes nothing when the Corefile already
// says so, and reports whether it changed anything.
func Configure(ctx context.Context, c kubernetes.Interface, domains []string, t Target) (bool, error) {
	return update(ctx, c, domains, t)
}

// Unconfigure removes devstack's rewrite (for a cluster devstack did not
// create; a kind cluster just goes away on reset).
func Unconfigure(ctx context.Context, c kubernetes.Interface) (bool, error) {
	return update(ctx, c, nil, Target{})
}

func update(ctx context.Context, c kubernetes.Interface, domains []string, t Target) (bool, error) {
	cms := c.CoreV1().ConfigMaps(Namespace)
	cm, err := cms.Get(ctx, ConfigMap, metav1.GetOptions{})
	if err != nil {
		return false, fmt.Errorf("reading the CoreDNS configuration: %w", err)
	}
	old, ok := cm.Data[corefile]
	if !ok {
		return false, fmt.Errorf("the %s/%s ConfigMap has no %s", Namespace, ConfigMap, corefile)
	}
	edited, err := Edit(old, domains, t)
	if err != nil {
		return false, fmt.Errorf("editing the CoreDNS Corefile: %w", err)
	}
	if edited == old {
		return false, nil
	}
	cm = cm.DeepCopy()
	cm.Data[corefile] = edited
	// Update carries the resourceVersion read above: a concurrent change
	// makes it fail rather than be overwritten.
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		return false, fmt.Errorf("updating the CoreDNS configuration: %w", err)
	}
	sum := sha256.Sum256([]byte(edited))
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
		"metadata": map[string]any{"annotations": map[string]string{RestartAnnotation: hex.EncodeToString(sum[:8])}}}}})
	_, err = c.AppsV1().Deployments(Namespace).Patch(ctx, Deployment, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return true, fmt.Errorf("restarting CoreDNS: %w", err)
	}
	return true, nil
}
