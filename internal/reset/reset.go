package reset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/coredns"
	"github.com/devstack-dev/devstack/internal/dns/osdns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/statelock"
	"github.com/devstack-dev/devstack/internal/up"
)

// Clusters are devstack's kind clusters.
type Clusters interface {
	// Recorded names the clusters devstack created and has not deleted.
	Recorded() ([]string, error)
	// Delete deletes one and forgets its record, returning what it removed;
	// kind.ErrNoCluster (wrapped) when it does not exist.
	Delete(ctx context.Context, name string) ([]string, error)
}

// LeftoverRemover deletes what Helm leaves behind (helm.Installer).
type LeftoverRemover interface {
	RemoveLeftovers(ctx context.Context, ls []helm.Leftover, timeout time.Duration) ([]helm.Leftover, error)
}

// Reset is one `devstack reset` of the whole machine.
type Reset struct {
	StateDir string
	// Clusters are deleted: the recorded ones, and Name when given. Nil
	// with --context, where the cluster is not devstack's to delete.
	Clusters Clusters
	Name     string
	// Plan and Uninstaller remove the releases of a --context cluster
	// (nil for a kind cluster, deleted whole), reporting to Sink.
	Plan        *stack.Plan
	Uninstaller up.Uninstaller
	Sink        event.Sink
	// Remove is what Helm leaves behind of those releases (listed before
	// they were uninstalled), removed by Leftovers after them.
	Remove    []helm.Leftover
	Leftovers LeftoverRemover
	// ClusterDNS connects to a --context cluster, whose CoreDNS rewrite is
	// removed; nil for kind clusters, which go away whole.
	ClusterDNS func() (kubernetes.Interface, error)
	// OSRoot and OS undo the OS DNS set-up.
	OSRoot string
	OS     osdns.Options
	// StopResolver stops the background resolver; nil is dns.Stop.
	StopResolver func(ctx context.Context, stateDir string) error
}

// Result lists what was removed, in order.
type Result struct {
	Removed []string
	// StateKept is true when the state directory was kept because a step
	// failed: it still records what is left.
	StateKept bool
}

// IncompleteError is a reset with failed steps: what was removed is gone,
// the rest is still recorded.
type IncompleteError struct{ Errs []error }

func (e *IncompleteError) Error() string {
	return errors.Join(e.Errs...).Error() + "\nrun `devstack reset` again once the cause is fixed: it only removes what is left"
}

func (e *IncompleteError) Unwrap() []error { return e.Errs }

// Run removes everything; the error is an *IncompleteError when a step
// failed.
func (r Reset) Run(ctx context.Context) (Result, error) {
	var res Result
	var errs []error
	step := func(removed []string, err error) {
		res.Removed = append(res.Removed, removed...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if r.Uninstaller != nil {
		removed, err := Releases(ctx, r.Plan, "", r.Uninstaller, r.Sink)
		step(removed, err)
		// What the releases leave goes only once they are gone: an
		// operator's CRD outlives the resources it still finalizes.
		if err == nil && len(r.Remove) > 0 {
			step(r.removeLeftovers(ctx))
		}
	}
	if r.Clusters != nil {
		step(r.deleteClusters(ctx))
	}
	if r.ClusterDNS != nil {
		step(r.unconfigureCoreDNS(ctx))
	}
	step(r.stopResolver(ctx))
	step(r.undoOS(ctx))
	if len(errs) > 0 {
		res.StateKept = true
		return res, &IncompleteError{Errs: errs}
	}
	entries, err := os.ReadDir(r.StateDir)
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil
	}
	if err := os.RemoveAll(r.StateDir); err != nil {
		return res, &IncompleteError{Errs: []error{fmt.Errorf("removing %s: %w", r.StateDir, err)}}
	}
	if recordsAnything(entries) {
		res.Removed = append(res.Removed, "state directory "+r.StateDir)
	}
	return res, nil
}

// recordsAnything is false for a state directory that holds only lock
// files (this run's own, the resolver's unheld one): it held nothing.
func recordsAnything(entries []fs.DirEntry) bool {
	for _, e := range entries {
		if n := e.Name(); n != statelock.File && n != dns.LockFile {
			return true
		}
	}
	return false
}

// deleteClusters deletes the recorded clusters and the named one. When
// nothing is recorded the default cluster is looked for too (made before
// the state was lost), but an engine that does not answer then means there
// is nothing of devstack's to delete, not a failure.
func (r Reset) deleteClusters(ctx context.Context) ([]string, error) {
	recorded, err := r.Clusters.Recorded()
	if err != nil {
		return nil, fmt.Errorf("reading the cluster records: %w", err)
	}
	names := slices.Clone(recorded)
	guess := ""
	switch {
	case r.Name != "" && !slices.Contains(names, r.Name):
		names = append(names, r.Name)
	case len(names) == 0:
		guess = kind.DefaultName
		names = append(names, guess)
	}
	var removed []string
	var errs []error
	for _, n := range names {
		what, err := r.Clusters.Delete(ctx, n)
		var unreachable *kind.UnreachableError
		switch {
		case errors.Is(err, kind.ErrNoCluster):
		case n == guess && errors.As(err, &unreachable):
		case err != nil:
			errs = append(errs, fmt.Errorf("deleting cluster %s: %w", n, err))
		}
		removed = append(removed, what...)
	}
	return removed, errors.Join(errs...)
}

// SplitLeftovers parts what Helm left into what reset removes and what it
// keeps: with keepData, the claims (the user's data) stay.
func SplitLeftovers(found []helm.Leftover, keepData bool) (remove, keep []helm.Leftover) {
	for _, l := range found {
		if keepData && l.Data() {
			keep = append(keep, l)
		} else {
			remove = append(remove, l)
		}
	}
	return remove, keep
}

func (r Reset) removeLeftovers(ctx context.Context) ([]string, error) {
	done, err := r.Leftovers.RemoveLeftovers(ctx, r.Remove, 0)
	var removed []string
	for _, l := range done {
		removed = append(removed, l.String())
	}
	if err != nil {
		return removed, fmt.Errorf("removing what the releases left: %w", err)
	}
	return removed, nil
}

func (r Reset) unconfigureCoreDNS(ctx context.Context) ([]string, error) {
	cs, err := r.ClusterDNS()
	if err != nil {
		return nil, fmt.Errorf("removing the CoreDNS rewrite: %w", err)
	}
	return RemoveClusterDNS(ctx, cs)
}

// RemoveClusterDNS removes the CoreDNS rewrite `up` added, restarting
// CoreDNS, and lists it; a cluster without CoreDNS has nothing to remove.
func RemoveClusterDNS(ctx context.Context, cs kubernetes.Interface) ([]string, error) {
	changed, err := coredns.Unconfigure(ctx, cs)
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("removing the CoreDNS rewrite: %w", err)
	case changed:
		return []string{fmt.Sprintf("CoreDNS rewrite in %s/%s (CoreDNS restarted)", coredns.Namespace, coredns.ConfigMap)}, nil
	}
	return nil, nil
}

func (r Reset) stopResolver(ctx context.Context) ([]string, error) {
	st := dns.ReadStatus(r.StateDir)
	if !st.Running {
		return nil, nil
	}
	stop := r.StopResolver
	if stop == nil {
		stop = dns.Stop
	}
	if err := stop(ctx, r.StateDir); err != nil {
		return nil, fmt.Errorf("stopping the resolver: %w", err)
	}
	return []string{fmt.Sprintf("resolver process %d on %s", st.PID, st.Addr)}, nil
}

func (r Reset) undoOS(ctx context.Context) ([]string, error) {
	undo, err := osdns.Uninstall(ctx, osdns.Config{Root: r.OSRoot}, r.OS)
	var removed []string
	for _, cs := range undo.Applied {
		for _, c := range cs.Changes {
			removed = append(removed, c.String())
		}
	}
	if err != nil {
		return removed, fmt.Errorf("removing the OS DNS configuration: %w", err)
	}
	return removed, nil
}

// Describe lists removed things for people.
func Describe(removed []string) string {
	if len(removed) == 0 {
		return "Nothing to remove: the machine is clean.\n"
	}
	var b strings.Builder
	b.WriteString("Removed:\n")
	for _, r := range removed {
		fmt.Fprintf(&b, "  - %s\n", r)
	}
	return b.String()
}
