package clustertls

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"path/filepath"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/devstack-dev/devstack/internal/ca"
)

var now = time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)

func TestEnsure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, err := ca.CreateFor(filepath.Join(t.TempDir(), "ca"), "dev@laptop", now)
	if err != nil {
		t.Fatal(err)
	}
	kc := fake.NewClientset()
	spec := Spec{
		Hosts:            []string{"grafana.local", "n8n.local"},
		IngressNamespace: "traefik",
		Namespaces:       []string{"traefik", "monitoring", "apps"},
		IssuerNamespace:  "cert-manager",
		IssuerDomains:    []string{"local", "svc", "cluster.local"},
	}
	steps := []struct {
		name       string
		mutate     func()
		at         time.Time
		wantIssued bool
	}{
		{"first run issues", func() {}, now, true},
		{"converged run changes nothing", func() {}, now.Add(time.Hour), false},
		{"a new host re-issues", func() { spec.Hosts = append(spec.Hosts, "temporal.local") }, now.Add(2 * time.Hour), true},
		{"near the end re-issues", func() {}, now.Add(ca.LeafValidity - ca.RenewBefore + 3*time.Hour), true},
	}
	for _, st := range steps {
		st.mutate()
		res, err := Ensure(ctx, kc, c, spec, st.at)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Issued != st.wantIssued {
			t.Errorf("%s: issued=%v (%s), want %v", st.name, res.Issued, res.Reason, st.wantIssued)
		}
		sec, err := kc.CoreV1().Secrets("traefik").Get(ctx, SecretName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sec.Type != corev1.SecretTypeTLS || sec.Labels["app.kubernetes.io/managed-by"] != "devstack" {
			t.Errorf("%s: secret type %s labels %v", st.name, sec.Type, sec.Labels)
		}
		pair, err := tls.X509KeyPair(sec.Data["tls.crt"], sec.Data["tls.key"])
		if err != nil {
			t.Fatalf("%s: not a key pair: %v", st.name, err)
		}
		leaf, _ := x509.ParseCertificate(pair.Certificate[0])
		for _, h := range spec.Hosts {
			if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: c.Pool(), CurrentTime: st.at}); err != nil {
				t.Errorf("%s: the stored certificate does not serve %s: %v", st.name, h, err)
			}
		}
	}
	for _, ns := range []string{"traefik", "monitoring", "apps", "cert-manager"} {
		if _, err := kc.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err != nil {
			t.Errorf("namespace %s: %v", ns, err)
		}
	}
	for _, ns := range spec.Namespaces {
		cm, err := kc.CoreV1().ConfigMaps(ns).Get(ctx, BundleName, metav1.GetOptions{})
		if err != nil || cm.Data[BundleKey] != string(c.CertPEM) {
			t.Errorf("bundle in %s: %v", ns, err)
		}
	}
	// The intermediate: constrained, chained to the root, never the root's key.
	mid, err := kc.CoreV1().Secrets("cert-manager").Get(ctx, IssuerName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(mid.Data["tls.crt"], mid.Data["tls.key"])
	if err != nil {
		t.Fatal(err)
	}
	if len(pair.Certificate) != 2 {
		t.Fatalf("intermediate chain has %d certificates, want intermediate + root", len(pair.Certificate))
	}
	m, _ := x509.ParseCertificate(pair.Certificate[0])
	if !m.IsCA || m.Equal(c.Cert) || !slices.Equal(m.PermittedDNSDomains, []string{"cluster.local", "local", "svc"}) {
		t.Errorf("intermediate: IsCA=%v root=%v permitted %v", m.IsCA, m.Equal(c.Cert), m.PermittedDNSDomains)
	}
}

func TestEnsureRefusesAWildcardOverTheTLD(t *testing.T) {
	t.Parallel()
	c, err := ca.CreateFor(filepath.Join(t.TempDir(), "ca"), "dev@laptop", now)
	if err != nil {
		t.Fatal(err)
	}
	kc := fake.NewClientset()
	if _, err := Ensure(context.Background(), kc, c, Spec{Hosts: []string{"*.local"}, IngressNamespace: "traefik"}, now); err == nil {
		t.Fatal("a *.local certificate was issued")
	}
	if l, _ := kc.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("bad input touched the cluster: %d namespaces", len(l.Items))
	}
}
