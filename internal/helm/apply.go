package helm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devstack-dev/devstack/internal/stack"
)

// Outcome is what Apply did to a component; it is the scheduler's note.
type Outcome string

// The outcomes of Apply.
const (
	Installed Outcome = "installed"
	Upgraded  Outcome = "upgraded"
	Unchanged Outcome = "unchanged"
	// Repaired: the release was converged, but some of its resources were
	// missing or not ready; it was upgraded to the same chart and values.
	Repaired Outcome = "repaired"
)

// Apply installs or upgrades component c and waits until it is ready,
// within the component's timeout. A component whose deployed release
// carries the digest of the same chart and values is left alone
// (Unchanged) when its resources pass the same readiness check as a fresh
// install, read from the release's manifest (one read of the release, one
// list per kind and namespace); when some are missing (deleted by hand)
// or not ready, the release is upgraded to the same chart and values,
// which re-creates and restores them, and waited for (Repaired).
//
// On failure the release is left failed (first install) or rolled back to
// the previous revision (upgrade), and the error, a *WaitError when the
// resources did not become ready, names what failed and why. A release
// left pending by an interrupted run is marked failed and upgraded over.
func (in *Installer) Apply(parent context.Context, c stack.Planned) (Outcome, error) {
	timeout := in.timeout(c)
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	ns := namespaceOf(c)

	ch, err := in.loadChart(ctx, c)
	if err != nil {
		return "", failed(c.Name, err)
	}
	vals, err := normalizeValues(c.Values)
	if err != nil {
		return "", failed(c.Name, err)
	}
	dg, err := digest(ch, ns, vals)
	if err != nil {
		return "", failed(c.Name, err)
	}
	if err := in.awaitInflight(ctx, ns, c.Name); err != nil {
		return "", failed(c.Name, fmt.Errorf("waiting for the previous operation on the release: %w", err))
	}
	cfg := in.actionConfig(ns)
	last, err := lastRelease(cfg, c.Name)
	if err != nil {
		return "", failed(c.Name, fmt.Errorf("reading the release: %w", err))
	}
	repair := ""
	if last != nil && last.Info.Status == release.StatusDeployed && last.Labels[LabelDigest] == dg {
		why, err := in.converged(ctx, cfg, c, last)
		if err != nil {
			return "", failed(c.Name, err)
		}
		if why == "" {
			return Unchanged, nil
		}
		repair = why
		in.progress(c, "repairing the release (same chart and values): "+why)
	}
	if err := checkImmutable(c, last, ch, vals); err != nil {
		return "", failed(c.Name, err)
	}

	if err := in.ensureNamespace(ctx, ns); err != nil {
		return "", failed(c.Name, err)
	}
	if last != nil && last.Info.Status == release.StatusUninstalling {
		// An interrupted uninstall: neither install nor upgrade accepts the
		// name until it is finished.
		in.progress(c, "finishing an uninstall left by an interrupted run")
		if _, err := in.runHelm(ctx, ns, c.Name, func() (*release.Release, error) {
			_, err := action.NewUninstall(cfg).Run(c.Name)
			return nil, err
		}); err != nil {
			return "", failed(c.Name, fmt.Errorf("finishing an interrupted uninstall: %w", err))
		}
	}
	if last != nil && last.Info.Status.IsPending() {
		in.progress(c, fmt.Sprintf("recovering release revision %d left %s by an interrupted run", last.Version, last.Info.Status))
		if err := markFailed(cfg, last, "interrupted while "+last.Info.Status.String()+"; recovered by devstack"); err != nil {
			return "", failed(c.Name, fmt.Errorf("recovering the pending release: %w", err))
		}
	}

	rel, outcome, prev, err := in.installWithRetry(ctx, cfg, c, ch, vals)
	if err != nil {
		if parent.Err() != nil {
			return "", failed(c.Name, fmt.Errorf("cancelled: %w", err))
		}
		return "", failed(c.Name, fmt.Errorf("%s: %w", outcomeVerb(outcome), err))
	}
	if repair != "" {
		outcome = Repaired
	}

	all, err := manifestTargets(cfg, rel.Manifest)
	if err != nil {
		return "", failed(c.Name, err)
	}
	if werr := in.wait(ctx, parent, c, waitTargets(all, c), timeout); werr != nil {
		in.afterFailedWait(parent, cfg, c, rel, prev, werr)
		return "", failed(c.Name, werr)
	}
	if err := setDigest(cfg, rel, dg); err != nil {
		return "", failed(c.Name, fmt.Errorf("recording the applied digest: %w", err))
	}
	return outcome, nil
}

// installWithRetry installs the release, or upgrades it when a revision
// exists, retrying transient errors with backoff until ctx ends. prev is
// the revision that was deployed before (0 for a first install).
func (in *Installer) installWithRetry(ctx context.Context, cfg *action.Configuration, c stack.Planned, ch *chart.Chart, vals map[string]any) (*release.Release, Outcome, int, error) {
	backoff := 500 * time.Millisecond
	for {
		last, err := lastRelease(cfg, c.Name)
		if err != nil {
			return nil, "", 0, err
		}
		outcome, prev := Installed, 0
		if last != nil {
			if dep, err := cfg.Releases.Deployed(c.Name); err == nil {
				outcome, prev = Upgraded, dep.Version
			}
		}
		verb := "installing"
		if last != nil {
			verb = "upgrading"
		}
		in.progress(c, fmt.Sprintf("%s %s %s", verb, ch.Metadata.Name, ch.Metadata.Version))
		rel, err := in.runHelm(ctx, namespaceOf(c), c.Name, func() (*release.Release, error) {
			deadline, _ := ctx.Deadline()
			if last == nil {
				i := action.NewInstall(cfg)
				i.ReleaseName, i.Namespace, i.Timeout = c.Name, namespaceOf(c), time.Until(deadline)
				return i.RunWithContext(detached(ctx), ch, vals)
			}
			u := action.NewUpgrade(cfg)
			u.Namespace, u.Timeout, u.MaxHistory = namespaceOf(c), time.Until(deadline), in.opts.MaxHistory
			// Values are exactly the plan's, never merged with the last release's.
			u.ResetValues = true
			// The digest is re-recorded only once the new revision is ready.
			u.Labels = map[string]string{LabelDigest: "null"}
			return u.RunWithContext(detached(ctx), c.Name, ch, vals)
		})
		if err == nil {
			return rel, outcome, prev, nil
		}
		if ctx.Err() != nil || !transient(err) {
			return nil, outcome, prev, err
		}
		in.progress(c, fmt.Sprintf("retrying in %s: %v", backoff, err))
		select {
		case <-ctx.Done():
			return nil, outcome, prev, fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
		in.getter.refresh()
	}
}

// afterFailedWait leaves the cluster in a state the next run can work
// from: a failed upgrade is rolled back so the previous revision keeps
// serving; a failed or interrupted install is marked failed so the next run
// upgrades over it.
func (in *Installer) afterFailedWait(parent context.Context, cfg *action.Configuration, c stack.Planned, rel *release.Release, prev int, werr error) {
	ctx, cancel := context.WithTimeout(detached(parent), time.Minute)
	defer cancel()
	var we *WaitError
	errors.As(werr, &we)
	if prev > 0 && parent.Err() == nil {
		in.progress(c, fmt.Sprintf("upgrade failed, rolling back to revision %d", prev))
		_, err := in.runHelm(ctx, namespaceOf(c), c.Name, func() (*release.Release, error) {
			r := action.NewRollback(cfg)
			r.Version, r.Timeout, r.MaxHistory = prev, time.Minute, in.opts.MaxHistory
			return nil, r.Run(c.Name)
		})
		if err == nil && we != nil {
			we.RolledBack = prev
			return
		}
	}
	_ = markFailed(cfg, rel, truncate(werr.Error(), 512))
}

func (in *Installer) ensureNamespace(ctx context.Context, ns string) error {
	_, err := in.clientset.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading namespace %s: %w", ns, err)
	}
	// The label tells a reset which namespaces are devstack's to offer
	// for removal.
	_, err = in.clientset.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns,
		Labels: map[string]string{LabelCreated: "true"}}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating namespace %s: %w", ns, err)
	}
	return nil
}

// normalizeValues deep-copies the plan's values through JSON, so that Helm
// (which may modify them) never touches the plan and the digest sees the
// same types Helm renders.
func normalizeValues(v map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if len(v) == 0 {
		return out, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return out, nil
}

// converged checks a converged release's resources once, by the rule
// Apply waits by, and says what is wrong ("" when nothing is).
func (in *Installer) converged(ctx context.Context, cfg *action.Configuration, c stack.Planned, rel *release.Release) (string, error) {
	all, err := manifestTargets(cfg, rel.Manifest)
	if err != nil {
		// A kind of the manifest is gone (its CRD deleted by hand): the
		// upgrade says whether it can be repaired.
		return err.Error(), nil
	}
	o := in.observe(ctx, waitTargets(all, c))
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	switch {
	case o.failed != nil:
		return o.failed.Error(), nil
	case len(o.missing) > 0:
		return summarize(o.missing, 3) + " missing", nil
	case !o.ready():
		return summarize(o.waiting, 3), nil
	}
	return "", nil
}

func outcomeVerb(o Outcome) string {
	if o == Upgraded {
		return "upgrade"
	}
	return "install"
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
