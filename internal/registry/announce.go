package registry

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// The ConfigMap of KEP-1755 ("Standard for communicating a local registry"),
// which Tilt, Skaffold and ctlptl read to find where to push.
const (
	HostingNamespace = "kube-public"
	HostingName      = "local-registry-hosting"
	hostingKey       = "localRegistryHosting.v1"
	hostingHelp      = "https://github.com/devstack-dev/devstack#your-own-images"
)

// hostingV1 is the KEP's LocalRegistryHostingV1.
type hostingV1 struct {
	// Host is where the user's machine pushes; the nodes pull by the same name.
	Host string `json:"host"`
	// HostFromContainerRuntime is the name the nodes' runtime pulls by.
	HostFromContainerRuntime string `json:"hostFromContainerRuntime,omitempty"`
	// HostFromClusterNetwork is the name pods reach the registry by.
	HostFromClusterNetwork string `json:"hostFromClusterNetwork,omitempty"`
	Help                   string `json:"help"`
}

// HostingConfigMap is the KEP-1755 ConfigMap for the local registry on port.
func HostingConfigMap(port int) (*corev1.ConfigMap, error) {
	v, err := yaml.Marshal(hostingV1{
		Host:                     LocalHost(port),
		HostFromContainerRuntime: LocalHost(port),
		HostFromClusterNetwork:   fmt.Sprintf("%s:%d", LocalName, containerPort),
		Help:                     hostingHelp,
	})
	if err != nil {
		return nil, err
	}
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: HostingName, Namespace: HostingNamespace,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "devstack"}},
		Data: map[string]string{hostingKey: string(v)},
	}, nil
}

// Announce creates or updates the local registry's KEP-1755 ConfigMap.
func Announce(ctx context.Context, cs kubernetes.Interface, port int) error {
	want, err := HostingConfigMap(port)
	if err != nil {
		return err
	}
	cms := cs.CoreV1().ConfigMaps(HostingNamespace)
	have, err := cms.Get(ctx, HostingName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = cms.Create(ctx, want, metav1.CreateOptions{})
	case err == nil && have.Data[hostingKey] != want.Data[hostingKey]:
		have.Data = want.Data
		_, err = cms.Update(ctx, have, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("announcing the local registry in %s/%s: %w", HostingNamespace, HostingName, err)
	}
	return nil
}
