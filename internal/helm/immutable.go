package helm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"

	"github.com/devstack-dev/devstack/internal/stack"
)

// ImmutableError refuses an upgrade that would change a value the
// application keeps in its data (Temporal's numHistoryShards: the shard of
// every workflow is computed from it, and a new count orphans them). It is
// bad input, exit code 2, and nothing was touched.
type ImmutableError struct {
	Component string
	Tier      stack.Tier
	// Path is the values path, as the component's `immutable:` names it.
	Path string
	// Revision is the release revision whose value Deployed is.
	Revision int
	Deployed any
	Wanted   any
}

func (e *ImmutableError) Error() string {
	reset := "devstack reset"
	if e.Tier == stack.TierApps {
		reset = "devstack reset --tier apps"
	}
	return fmt.Sprintf("values.%s cannot change on an existing release: revision %d was installed with %s, the plan now says %s. "+
		"Keep %s (e.g. --set %s.%s=%s), or start over: `%s` removes the release and its data, then `devstack up` installs it with the new value",
		e.Path, e.Revision, show(e.Deployed), show(e.Wanted),
		show(e.Deployed), e.Component, e.Path, show(e.Deployed), reset)
}

// ExitCode marks the error as bad input.
func (e *ImmutableError) ExitCode() int { return 2 }

// checkImmutable compares the values at c's immutable paths of the last
// release (its chart's defaults coalesced with its values, as Helm rendered
// it) with those the plan would now render; a first install has nothing to
// compare.
func checkImmutable(c stack.Planned, last *release.Release, ch *chart.Chart, vals map[string]any) error {
	if len(c.Immutable) == 0 || last == nil || last.Chart == nil {
		return nil
	}
	before, err := chartutil.CoalesceValues(last.Chart, last.Config)
	if err != nil {
		return fmt.Errorf("reading the values of revision %d: %w", last.Version, err)
	}
	after, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		return err
	}
	for _, path := range c.Immutable {
		old, had := lookupPath(before, path)
		now, has := lookupPath(after, path)
		if had == has && sameValue(old, now) {
			continue
		}
		return &ImmutableError{Component: c.Name, Tier: c.Tier, Path: path, Revision: last.Version, Deployed: old, Wanted: now}
	}
	return nil
}

// lookupPath reads a dot-separated values path.
func lookupPath(vals map[string]any, path string) (any, bool) {
	var v any = vals
	for _, key := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[key]; !ok {
			return nil, false
		}
	}
	return v, true
}

// sameValue compares through JSON: a release read back from storage holds
// float64 where the plan holds int64, and 512 is 512 either way.
func sameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func show(v any) string {
	if v == nil {
		return "nothing (the chart's default)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
