package reset

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/stack"
)

// releases fakes the installer: which releases exist, which uninstall
// fails, and the leftovers it was asked to remove.
type releases struct {
	exist   map[string]bool
	fail    string
	removed []helm.Leftover
}

func (r *releases) Uninstall(_ context.Context, c stack.Planned) (bool, error) {
	if c.Name == r.fail {
		return true, errors.New(c.Name + ": still there after 5m0s: clusterrole/x held by finalizer y")
	}
	existed := r.exist[c.Name]
	delete(r.exist, c.Name)
	return existed, nil
}

func (r *releases) RemoveLeftovers(_ context.Context, ls []helm.Leftover, _ time.Duration) ([]helm.Leftover, error) {
	r.removed = append(r.removed, ls...)
	return ls, nil
}

func contextPlan() *stack.Plan {
	return &stack.Plan{Components: []stack.Planned{
		{Component: stack.Component{Name: "operator", Namespace: "ops"}},
		{Component: stack.Component{Name: "db", Namespace: "data", DependsOn: []string{"operator"}}},
		{Component: stack.Component{Name: "app", Namespace: "apps", DependsOn: []string{"db"}}},
	}}
}

var leftovers = []helm.Leftover{
	{Kind: helm.LeftoverClaim, Namespace: "data", Name: "data-db-0"},
	{Kind: helm.LeftoverCRD, Name: "clusters.db.example"},
	{Kind: helm.LeftoverNamespace, Name: "data"},
}

func TestContextResetListsOnlyWhatExisted(t *testing.T) {
	dir := stateDir(t)
	rel := &releases{exist: map[string]bool{"operator": true, "db": true}} // app was never installed
	r := Reset{StateDir: dir, OSRoot: t.TempDir(), Plan: contextPlan(), Uninstaller: rel, Leftovers: rel, Remove: leftovers}
	res, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"release db", "release operator", "volume claim data/data-db-0", "CRD clusters.db.example", "namespace data"}
	if !slices.Equal(res.Removed, want) {
		t.Errorf("removed\n%q\nwant\n%q", res.Removed, want)
	}
}

func TestContextResetKeepsLeftoversWhileAReleaseStays(t *testing.T) {
	dir := stateDir(t)
	rel := &releases{exist: map[string]bool{"operator": true, "db": true, "app": true}, fail: "operator"}
	r := Reset{StateDir: dir, OSRoot: t.TempDir(), Plan: contextPlan(), Uninstaller: rel, Leftovers: rel, Remove: leftovers}
	res, err := r.Run(context.Background())
	if err == nil || !res.StateKept {
		t.Fatalf("a failed uninstall: err %v, state kept %v", err, res.StateKept)
	}
	if len(rel.removed) > 0 {
		t.Errorf("leftovers removed while operator is still installed: %v", rel.removed)
	}
	if !slices.Equal(res.Removed, []string{"release app", "release db"}) {
		t.Errorf("removed %q", res.Removed)
	}
}

func TestKeepDataKeepsTheClaims(t *testing.T) {
	remove, keep := SplitLeftovers(leftovers, true)
	if len(keep) != 1 || keep[0].Kind != helm.LeftoverClaim || len(remove) != 2 {
		t.Errorf("--keep-data: remove %v keep %v", remove, keep)
	}
	if remove, keep := SplitLeftovers(leftovers, false); len(keep) != 0 || !reflect.DeepEqual(remove, leftovers) {
		t.Errorf("without --keep-data: remove %v keep %v", remove, keep)
	}
}
