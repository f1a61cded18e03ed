package helm

import (
	"context"
	"fmt"
	"time"

	"github.com/devstack-dev/devstack/internal/stack"
)

// Status is what `devstack status` shows for one component.
type Status struct {
	// Installed is false when there is no release.
	Installed bool `json:"installed"`
	// Revision and State are the newest revision and its Helm status
	// (deployed, failed, pending-install...).
	Revision int    `json:"revision,omitempty"`
	State    string `json:"state,omitempty"`
	// Chart is "name-version" of the deployed chart.
	Chart   string    `json:"chart,omitempty"`
	Updated time.Time `json:"updated,omitzero"`
	// Description is Helm's note on the revision (the failure, for a
	// failed one).
	Description string `json:"description,omitempty"`
	// Converged is true when the revision became ready with what it was
	// applied with (devstack recorded its digest).
	Converged bool `json:"converged"`
	// Ready is true when every resource with a readiness is ready now;
	// Waiting lists the others ("deployment/grafana 0/1 ready").
	Ready   bool     `json:"ready"`
	Waiting []string `json:"waiting,omitempty"`
}

// Status reads component c's release and checks its resources once, by
// the rule Apply waits by (Options.ReadySince included).
func (in *Installer) Status(ctx context.Context, c stack.Planned) (Status, error) {
	cfg := in.actionConfig(namespaceOf(c))
	last, err := lastRelease(cfg, c.Name)
	if err != nil {
		return Status{}, failed(c.Name, fmt.Errorf("reading the release: %w", err))
	}
	if last == nil {
		return Status{}, nil
	}
	st := Status{Installed: true, Revision: last.Version, State: last.Info.Status.String(),
		Updated: last.Info.LastDeployed.Time, Description: last.Info.Description, Converged: last.Labels[LabelDigest] != ""}
	if last.Chart != nil && last.Chart.Metadata != nil {
		st.Chart = last.Chart.Metadata.Name + "-" + last.Chart.Metadata.Version
	}
	all, err := manifestTargets(cfg, last.Manifest)
	if err != nil {
		st.Waiting = []string{err.Error()}
		return st, nil
	}
	o := in.observe(ctx, waitTargets(all, c))
	st.Waiting = o.waiting
	if o.failed != nil {
		st.Waiting = append(st.Waiting, o.failed.Error())
	}
	st.Ready = len(st.Waiting) == 0 && st.State == "deployed"
	return st, nil
}
