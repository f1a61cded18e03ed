package clustertls

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Names of what devstack creates.
const (
	// SecretName is the ingress's default certificate, in the ingress's
	// namespace; the TLSStore "default" of Traefik names it.
	SecretName = "devstack-ingress-tls"
	// BundleName is the ConfigMap with the root, key BundleKey, in every
	// namespace of the plan: mount it and point SSL_CERT_FILE (or your
	// runtime's CA option) at it.
	BundleName = "devstack-ca"
	BundleKey  = "ca.crt"
	// IssuerName is the ClusterIssuer, and the Secret of its intermediate
	// in cert-manager's namespace.
	IssuerName = "devstack-ca"
)

var managed = map[string]string{"app.kubernetes.io/managed-by": "devstack"}

// Spec is what the cluster gets.
type Spec struct {
	// Hosts are every host of the plan.
	Hosts []string
	// IngressNamespace holds the default certificate's Secret.
	IngressNamespace string
	// Namespaces get the bundle ConfigMap.
	Namespaces []string
	// IssuerNamespace is cert-manager's namespace when cert-manager is in
	// the plan ("" otherwise); IssuerDomains constrain the intermediate.
	IssuerNamespace string
	IssuerDomains   []string
}

// Result says what Ensure did.
type Result struct {
	// Issued is true when a new certificate was stored; Reason says why.
	Issued   bool      `json:"issued"`
	Reason   string    `json:"reason,omitempty"`
	NotAfter time.Time `json:"notAfter"`
	Hosts    []string  `json:"hosts"`
	// Bundles lists the namespaces whose bundle was created or updated.
	Bundles []string `json:"bundles,omitempty"`
}

// Ensure makes the cluster match spec: the default certificate, the
// bundles, and the intermediate's Secret (the ClusterIssuer itself needs
// cert-manager's CRDs: see EnsureIssuer). Namespaces are created when
// missing, so the Secret exists before the ingress starts.
func Ensure(ctx context.Context, kc kubernetes.Interface, c *ca.CA, spec Spec, now time.Time) (Result, error) {
	var res Result
	hosts, err := ca.SANs(spec.Hosts)
	if err != nil {
		return res, err
	}
	res.Hosts = hosts
	namespaces := append([]string{spec.IngressNamespace}, spec.Namespaces...)
	if spec.IssuerNamespace != "" {
		namespaces = append(namespaces, spec.IssuerNamespace)
	}
	slices.Sort(namespaces)
	for _, ns := range slices.Compact(namespaces) {
		if err := ensureNamespace(ctx, kc, ns); err != nil {
			return res, err
		}
	}

	sec, err := kc.CoreV1().Secrets(spec.IngressNamespace).Get(ctx, SecretName, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return res, fmt.Errorf("reading secret %s/%s: %w", spec.IngressNamespace, SecretName, err)
	}
	var current []byte
	if err == nil {
		current = sec.Data[corev1.TLSCertKey]
	}
	if res.Reason = c.Renewal(current, hosts, now); res.Reason != "" {
		leaf, err := c.Issue(hosts, now)
		if err != nil {
			return res, err
		}
		if err := putSecret(ctx, kc, spec.IngressNamespace, SecretName, leaf.CertPEM, leaf.KeyPEM, c.CertPEM); err != nil {
			return res, err
		}
		res.Issued, res.NotAfter = true, leaf.Cert.NotAfter
	} else if cert, err := ca.ParseCert(current); err == nil {
		res.NotAfter = cert.NotAfter
	}

	for _, ns := range spec.Namespaces {
		changed, err := putBundle(ctx, kc, ns, c.CertPEM)
		if err != nil {
			return res, err
		}
		if changed {
			res.Bundles = append(res.Bundles, ns)
		}
	}

	if spec.IssuerNamespace != "" {
		if err := ensureIntermediate(ctx, kc, c, spec, now); err != nil {
			return res, err
		}
	}
	return res, nil
}

func ensureIntermediate(ctx context.Context, kc kubernetes.Interface, c *ca.CA, spec Spec, now time.Time) error {
	sec, err := kc.CoreV1().Secrets(spec.IssuerNamespace).Get(ctx, IssuerName, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading secret %s/%s: %w", spec.IssuerNamespace, IssuerName, err)
	}
	var current []byte
	if err == nil {
		current = sec.Data[corev1.TLSCertKey]
	}
	if c.IntermediateRenewal(current, spec.IssuerDomains, now) == "" {
		return nil
	}
	mid, err := c.IssueIntermediate(spec.IssuerDomains, now)
	if err != nil {
		return err
	}
	// tls.crt carries the chain up to the root, so the certificates
	// cert-manager issues carry it too, and ca.crt is the root.
	return putSecret(ctx, kc, spec.IssuerNamespace, IssuerName, append(slices.Clip(mid.CertPEM), c.CertPEM...), mid.KeyPEM, c.CertPEM)
}

func ensureNamespace(ctx context.Context, kc kubernetes.Interface, ns string) error {
	_, err := kc.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = kc.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{stack.NamespaceCreatedLabel: "true"}}}, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("namespace %s: %w", ns, err)
	}
	return nil
}

// putSecret creates or replaces a kubernetes.io/tls Secret.
func putSecret(ctx context.Context, kc kubernetes.Interface, ns, name string, cert, key, root []byte) error {
	want := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: managed},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: cert, corev1.TLSPrivateKeyKey: key, "ca.crt": root},
	}
	api := kc.CoreV1().Secrets(ns)
	old, err := api.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = api.Create(ctx, want, metav1.CreateOptions{})
	case err == nil && old.Type != corev1.SecretTypeTLS:
		// The type of a Secret cannot change: replace it.
		if err = api.Delete(ctx, name, metav1.DeleteOptions{}); err == nil {
			_, err = api.Create(ctx, want, metav1.CreateOptions{})
		}
	case err == nil:
		old.Data, old.Labels = want.Data, mergeLabels(old.Labels)
		_, err = api.Update(ctx, old, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("storing secret %s/%s: %w", ns, name, err)
	}
	return nil
}

// putBundle creates or updates the bundle ConfigMap; changed says whether
// it wrote anything.
func putBundle(ctx context.Context, kc kubernetes.Interface, ns string, root []byte) (bool, error) {
	api := kc.CoreV1().ConfigMaps(ns)
	old, err := api.Get(ctx, BundleName, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = api.Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: BundleName, Namespace: ns, Labels: managed},
			Data:       map[string]string{BundleKey: string(root)},
		}, metav1.CreateOptions{})
	case err == nil && bytes.Equal([]byte(old.Data[BundleKey]), root):
		return false, nil
	case err == nil:
		if old.Data == nil {
			old.Data = map[string]string{}
		}
		old.Data[BundleKey], old.Labels = string(root), mergeLabels(old.Labels)
		_, err = api.Update(ctx, old, metav1.UpdateOptions{})
	}
	if err != nil {
		return false, fmt.Errorf("storing the CA bundle %s/%s: %w", ns, BundleName, err)
	}
	return true, nil
}

func mergeLabels(l map[string]string) map[string]string {
	if l == nil {
		l = map[string]string{}
	}
	for k, v := range managed {
		l[k] = v
	}
	return l
}

// ErrNoCertificate says the cluster has no default certificate yet.
var ErrNoCertificate = errors.New("no ingress certificate in the cluster")
