package registry

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"
)

func TestAnnounceCreatesThenUpdates(t *testing.T) {
	cs := fake.NewClientset()
	ctx := context.Background()
	if err := Announce(ctx, cs, 5001); err != nil {
		t.Fatal(err)
	}
	read := func() hostingV1 {
		t.Helper()
		cm, err := cs.CoreV1().ConfigMaps("kube-public").Get(ctx, "local-registry-hosting", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var h hostingV1
		if err := yaml.UnmarshalStrict([]byte(cm.Data["localRegistryHosting.v1"]), &h); err != nil {
			t.Fatalf("localRegistryHosting.v1: %v", err)
		}
		return h
	}
	if h := read(); h.Host != "localhost:5001" || h.HostFromContainerRuntime != "localhost:5001" || h.HostFromClusterNetwork != "devstack-registry:5000" || h.Help == "" {
		t.Errorf("announced %+v", h)
	}
	if err := Announce(ctx, cs, 5001); err != nil { // unchanged: no error, no update
		t.Fatal(err)
	}
	if err := Announce(ctx, cs, 15001); err != nil {
		t.Fatal(err)
	}
	if h := read(); h.Host != "localhost:15001" {
		t.Errorf("after a port change: %+v", h)
	}
}
