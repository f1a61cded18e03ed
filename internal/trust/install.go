package trust

import (
	"context"
	"os"
	"path/filepath"

	"github.com/devstack-dev/devstack/internal/dns/osdns"
)

// Options are the machinery Install and Uninstall use.
type Options struct {
	// Runner runs the commands, and sudo; nil makes changes that need
	// either fail.
	Runner osdns.Runner
	// Confirm is called with a non-empty Changeset before it is applied,
	// so the caller can show it; an error stops there.
	Confirm func(*Changeset) error
}

// Install plans and applies what makes every store trust cfg.CA.
func Install(ctx context.Context, cfg Config, o Options) (*Changeset, error) {
	cs, err := Plan(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return cs, o.apply(ctx, cs)
}

// Uninstall plans and applies the removal of this owner's roots.
func Uninstall(ctx context.Context, cfg Config, o Options) (*Changeset, error) {
	cs, err := PlanUndo(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return cs, o.apply(ctx, cs)
}

func (o Options) apply(ctx context.Context, cs *Changeset) error {
	if len(cs.Changes) == 0 {
		return nil
	}
	if o.Confirm != nil {
		if err := o.Confirm(cs); err != nil {
			return err
		}
	}
	return osdns.Apply(ctx, &osdns.Changeset{Changes: cs.Changes}, o.Runner)
}

// Store is one trust store and whether it holds the root.
type Store struct {
	Name    string `json:"name"`
	Trusted bool   `json:"trusted"`
	Detail  string `json:"detail,omitempty"`
}

// Status says, store by store, whether cfg.CA is trusted; the stores a
// Plan would change are the ones that do not trust it.
func Status(ctx context.Context, cfg Config) ([]Store, *Changeset, error) {
	cs, err := Plan(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	touched := map[string]bool{}
	for _, c := range cs.Changes {
		switch {
		case c.Action != osdns.Run:
			touched["system"] = true
		case len(c.Command) > 0 && c.Command[0] == "security":
			touched["system"] = true
		case len(c.Command) > 3 && c.Command[1] == "-A":
			touched[c.Command[3]] = true
		}
	}
	l := cs.Layout
	var out []Store
	if l.OS == "darwin" || l.Family != "" {
		s := Store{Name: "system (" + l.Describe() + ")", Trusted: !touched["system"]}
		if l.OS == "linux" {
			s.Detail = filepath.Join(cfg.rootOr(), stores[l.Family].dir, AnchorName(cfg.CA, stores[l.Family].ext))
		}
		out = append(out, s)
	}
	for _, db := range l.NSS {
		s := Store{Name: db.Browser, Trusted: cfg.Certutil != "" && !touched["sql:"+db.Dir], Detail: db.Dir}
		if cfg.Certutil == "" {
			s.Detail += " (certutil is not installed)"
		}
		out = append(out, s)
	}
	return out, cs, nil
}

func (c Config) rootOr() string {
	if c.Root == "" {
		return string(os.PathSeparator)
	}
	return c.Root
}
