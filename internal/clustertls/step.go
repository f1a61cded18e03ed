package clustertls

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/trust"
	"github.com/devstack-dev/devstack/internal/up"
)

// The step names of `up`'s TLS phase (event.SourceTLS).
const (
	StepCA          = "CA"
	StepTrust       = "host trust"
	StepCertificate = "ingress certificate" // tui.CertificateStep
	StepIssuer      = "cluster issuer"
)

// CertManager is the component whose presence in the plan adds the
// ClusterIssuer.
const CertManager = "cert-manager"

// errWarn marks a step that could not be done here and is reported as a
// warning: HTTPS works without it (with an extra flag or a click).
var errWarn = errors.New("warning")

// Step is up's TLS phase (up.TLS).
type Step struct {
	Sink     event.Sink
	StateDir string
	// Trust is the machine's trust configuration without the CA (ForMachine
	// fills it); Verifier checks the result of an install.
	Trust    func(*ca.CA) trust.Config
	Verifier trust.Verifier
	Runner   osdns.Runner
	Now      func() time.Time
}

var _ up.TLS = (*Step)(nil)

func (s *Step) step(name string, fn func() (string, error)) error {
	s.Sink.Emit(event.Event{Time: time.Now(), Source: event.SourceTLS, Name: name, State: event.Running})
	msg, err := fn()
	switch {
	case errors.Is(err, errWarn):
		s.Sink.Emit(event.Event{Time: time.Now(), Source: event.SourceTLS, Name: name, State: event.Warning, Message: msg})
		err = nil
	case err != nil:
		s.Sink.Emit(event.Event{Time: time.Now(), Source: event.SourceTLS, Name: name, State: event.Failed, Message: err.Error()})
		return fmt.Errorf("%s: %w", name, err)
	}
	s.Sink.Emit(event.Event{Time: time.Now(), Source: event.SourceTLS, Name: name, State: event.Succeeded, Message: msg})
	return nil
}

// Ensure implements up.TLS.
func (s *Step) Ensure(ctx context.Context, p *stack.Plan, t up.Target) error {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var c *ca.CA
	if err := s.step(StepCA, func() (string, error) {
		dir, err := ca.Dir()
		if err != nil {
			return "", err
		}
		var created bool
		if c, created, err = ca.LoadOrCreate(dir, now()); err != nil {
			return "", err
		}
		if created {
			return "created " + c.Cert.Subject.CommonName + " in " + dir, nil
		}
		return c.Cert.Subject.CommonName + " (" + dir + ")", nil
	}); err != nil {
		return err
	}
	trustErr := s.step(StepTrust, func() (string, error) { return s.trustHost(ctx, c) })

	cfg, err := t.RESTConfig()
	if err != nil {
		return errors.Join(trustErr, err)
	}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return errors.Join(trustErr, err)
	}
	spec := SpecFor(p)
	certErr := s.step(StepCertificate, func() (string, error) {
		res, err := Ensure(ctx, kc, c, spec, now())
		if err != nil {
			return "", err
		}
		if err := WriteRecord(s.StateDir, res); err != nil {
			return "", err
		}
		verb := "in place"
		if res.Issued {
			verb = "issued (" + res.Reason + ")"
		}
		return fmt.Sprintf("%s for %d hosts, valid until %s; secret %s/%s, CA bundle ConfigMap %s in %d namespaces",
			verb, len(res.Hosts), res.NotAfter.Format(time.DateOnly), spec.IngressNamespace, SecretName, BundleName, len(spec.Namespaces)), nil
	})
	if certErr == nil && spec.IssuerNamespace != "" {
		// The ClusterIssuer's API comes with cert-manager, installed
		// after this phase: created beside the installs, for as long as
		// up runs. cert-manager's component waits for it.
		dc, derr := dynamic.NewForConfig(cfg)
		if derr != nil {
			return errors.Join(trustErr, derr)
		}
		go func() {
			_ = s.step(StepIssuer, func() (string, error) {
				if err := EnsureIssuer(ctx, kc.Discovery(), dc, 2*time.Second); err != nil {
					return "", err
				}
				return "ClusterIssuer " + IssuerName + " (type CA, name-constrained to " + strings.Join(spec.IssuerDomains, ", ") + ")", nil
			})
		}()
	}
	return errors.Join(trustErr, certErr)
}

// trustHost installs the root where that needs no elevation (or devstack
// runs as root), verifying it with a handshake; otherwise it names the
// one command to run.
func (s *Step) trustHost(ctx context.Context, c *ca.CA) (string, error) {
	cfg := s.Trust(c)
	cs, err := trust.Plan(ctx, cfg)
	if err != nil {
		return err.Error() + ": HTTPS works with --cacert " + cfg.CAFile, errWarn
	}
	if cs.Layout.OS != "darwin" && cs.Layout.Family == "" {
		return strings.Join(cs.Notes, "; "), errWarn
	}
	if len(cs.Changes) > 0 {
		if root := cs.NeedsRoot(); len(root) > 0 {
			var what []string
			for _, ch := range root {
				if ch.Path != "" {
					what = append(what, ch.Path)
				} else {
					what = append(what, strings.Join(ch.Command, " "))
				}
			}
			return "run `devstack trust install` once so that browsers trust https:// here (it uses sudo for " + strings.Join(what, ", ") + ")", errWarn
		}
		if err := trust.Apply(ctx, cs, s.Runner); err != nil {
			return "", err
		}
	}
	if err := trust.Handshake(ctx, c, s.Verifier); err != nil {
		return "", err
	}
	msg := "the system trusts devstack's CA"
	if len(cs.Changes) > 0 {
		msg = "installed devstack's CA in " + cs.Layout.Describe() + ": " + msg
	}
	if len(cs.Notes) > 0 {
		return msg + "; " + strings.Join(cs.Notes, "; "), errWarn
	}
	return msg, nil
}

// SpecFor is what a plan needs in the cluster.
func SpecFor(p *stack.Plan) Spec {
	spec := Spec{IngressNamespace: p.Ingress.Namespace}
	for _, c := range p.Components {
		spec.Hosts = append(spec.Hosts, c.Hosts...)
		if c.Namespace != "" && !slices.Contains(spec.Namespaces, c.Namespace) {
			spec.Namespaces = append(spec.Namespaces, c.Namespace)
		}
		if c.Name == CertManager {
			spec.IssuerNamespace = c.Namespace
		}
	}
	if spec.IssuerNamespace != "" {
		doms := []string{p.Domain, "svc", "cluster.local"}
		slices.Sort(doms)
		spec.IssuerDomains = slices.Compact(doms)
	}
	return spec
}
