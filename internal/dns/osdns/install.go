package osdns

import (
	"context"
	"time"

	"github.com/devstack-dev/devstack/internal/sysfile"
)

// Options are the machinery Install and Uninstall use.
type Options struct {
	// Runner runs commands and sudo; nil makes changes that need either fail.
	Runner Runner
	// Lookup verifies; nil skips verification.
	Lookup Lookuper
	// Confirm is called with every Changeset before it is applied, so the
	// caller can show it (and what needs sudo); an error stops there.
	Confirm func(*Changeset) error
	// VerifyWait bounds the retries of verification (default 8 s).
	VerifyWait time.Duration
	// Access is what this process may do without sudo (its euid and which
	// files it can write); the zero Access is this process. Tests set it to
	// take the part of root or of a user who needs sudo.
	Access sysfile.Access
	// Live reads the running resolvers, so that a restart an interrupted
	// install never made is made by the next one; nil means SystemLive
	// when the root is "/" and no live check for another root.
	Live Live
}

// Report is what Install or Uninstall did.
type Report struct {
	// Applied are the changesets applied, in order (the second one, if
	// any, is the hosts-file fallback after a failed verification).
	Applied []*Changeset `json:"applied"`
	Checks  []Check      `json:"checks,omitempty"`
}

// Install plans, applies and verifies the routing. When a routed domain
// fails verification and hosts are known, it falls back to the hosts file
// and verifies again. A verification failure is reported in the checks
// (see Failed), not as an error: the changes stay, and are listed.
func Install(ctx context.Context, cfg Config, o Options) (Report, error) {
	var rep Report
	cs, err := o.Plan(ctx, cfg)
	if err != nil {
		return rep, err
	}
	if err := o.apply(ctx, cs, &rep); err != nil {
		return rep, err
	}
	if o.Lookup == nil {
		return rep, nil
	}
	hosts := hostsOf(cfg)
	rep.Checks = Verify(ctx, cs, hosts, o.Lookup, o.wait())
	if Failed(rep.Checks) == nil || cs.HostsFallback || len(hosts) == 0 {
		return rep, nil
	}
	cfg.ForceHosts = true
	fb, err := o.Plan(ctx, cfg)
	if err != nil {
		return rep, err
	}
	fb.Notes = append(fb.Notes, "routing the domain did not work (see the failed lookups); listing the stack's hosts in /etc/hosts instead")
	if err := o.apply(ctx, fb, &rep); err != nil {
		return rep, err
	}
	fbChecks := Verify(ctx, &Changeset{HostsFallback: true}, hosts, o.Lookup, o.wait())
	rep.Checks = append(rep.Checks, fbChecks...)
	return rep, nil
}

// Uninstall removes everything devstack installed.
func Uninstall(ctx context.Context, cfg Config, o Options) (Report, error) {
	var rep Report
	cs, err := o.PlanUndo(ctx, cfg)
	if err != nil {
		return rep, err
	}
	return rep, o.apply(ctx, cs, &rep)
}

func (o Options) apply(ctx context.Context, cs *Changeset, rep *Report) error {
	if len(cs.Changes) == 0 {
		rep.Applied = append(rep.Applied, cs)
		return nil
	}
	if o.Confirm != nil {
		if err := o.Confirm(cs); err != nil {
			return err
		}
	}
	if err := Apply(ctx, cs, o.Runner); err != nil {
		return err
	}
	rep.Applied = append(rep.Applied, cs)
	return nil
}

func (o Options) wait() time.Duration {
	if o.VerifyWait > 0 {
		return o.VerifyWait
	}
	return 8 * time.Second
}

func hostsOf(cfg Config) []string {
	c, err := cfg.normalize()
	if err != nil {
		return nil
	}
	return c.Hosts
}
