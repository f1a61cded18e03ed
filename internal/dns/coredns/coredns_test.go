package coredns

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

var traefik = Target{Namespace: "traefik", Name: "traefik"}

func readCorefile(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "kind-corefile"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEdit(t *testing.T) {
	t.Parallel()
	orig := readCorefile(t)
	got, err := Edit(orig, []string{"local", "Test."}, traefik)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "kind-corefile-edited"))
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("edited Corefile:\n%s\nwant:\n%s", got, want)
	}
	// Idempotent, replaces rather than stacks, and removable.
	again, _ := Edit(got, []string{"local", "test"}, traefik)
	if again != got {
		t.Error("second edit changed the Corefile")
	}
	other, _ := Edit(got, []string{"dev"}, Target{Namespace: "ingress", Name: "gw"})
	if strings.Count(other, blockBegin) != 1 || strings.Contains(other, `)?local\.$`) {
		t.Errorf("a new domain did not replace the old block:\n%s", other)
	}
	removed, _ := Edit(got, nil, Target{})
	if removed != orig {
		t.Errorf("removal did not restore the Corefile:\n%s", removed)
	}
	if _, err := Edit("example.org {\n}\n", []string{"local"}, traefik); err == nil {
		t.Error("no error for a Corefile without a root server block")
	}
}

func TestConfigure(t *testing.T) {
	t.Parallel()
	orig := readCorefile(t)
	c := fake.NewClientset(
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: ConfigMap}, Data: map[string]string{"Corefile": orig}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: Namespace, Name: Deployment}},
	)
	ctx := context.Background()
	changed, err := Configure(ctx, c, []string{"local"}, traefik)
	if err != nil || !changed {
		t.Fatalf("Configure: changed %v err %v", changed, err)
	}
	cm, _ := c.CoreV1().ConfigMaps(Namespace).Get(ctx, ConfigMap, metav1.GetOptions{})
	if !strings.Contains(cm.Data["Corefile"], `rewrite stop name regex ^(.*\.)?local\.$ traefik.traefik.svc.cluster.local. answer auto`) {
		t.Errorf("rewrite missing:\n%s", cm.Data["Corefile"])
	}
	d, _ := c.AppsV1().Deployments(Namespace).Get(ctx, Deployment, metav1.GetOptions{})
	if d.Spec.Template.Annotations[RestartAnnotation] == "" {
		t.Error("CoreDNS not restarted")
	}
	if changed, err := Configure(ctx, c, []string{"local"}, traefik); err != nil || changed {
		t.Errorf("second Configure: changed %v err %v, want no change", changed, err)
	}
	if changed, err := Unconfigure(ctx, c); err != nil || !changed {
		t.Fatalf("Unconfigure: changed %v err %v", changed, err)
	}
	cm, _ = c.CoreV1().ConfigMaps(Namespace).Get(ctx, ConfigMap, metav1.GetOptions{})
	if cm.Data["Corefile"] != orig {
		t.Errorf("Corefile not restored:\n%s", cm.Data["Corefile"])
	}
}

func TestConfigureWithoutCoreDNS(t *testing.T) {
	t.Parallel()
	if _, err := Configure(context.Background(), fake.NewClientset(), []string{"local"}, traefik); err == nil {
		t.Fatal("no error without the coredns ConfigMap")
	}
}
