package helm

import (
	"errors"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"

	"github.com/devstack-dev/devstack/internal/stack"
)

// shardsChart has a default for the immutable path, as Temporal's chart does.
func shardsChart() *chart.Chart {
	return &chart.Chart{
		Metadata: &chart.Metadata{Name: "temporal", Version: "1.6.0", APIVersion: "v2"},
		Values: map[string]any{
			"server": map[string]any{"config": map[string]any{"persistence": map[string]any{"numHistoryShards": 512, "other": 1}}},
		},
	}
}

func shards(n any) map[string]any {
	return map[string]any{"server": map[string]any{"config": map[string]any{"persistence": map[string]any{"numHistoryShards": n}}}}
}

func TestCheckImmutable(t *testing.T) {
	const path = "server.config.persistence.numHistoryShards"
	temporal := stack.Planned{Component: stack.Component{Name: "temporal", Tier: stack.TierApps, Immutable: []string{path}}}
	cases := []struct {
		name   string
		c      stack.Planned
		last   map[string]any // nil: no release yet
		now    map[string]any
		reject string // "" when the change is allowed
	}{
		{name: "first install", c: temporal, now: shards(int64(4))},
		{name: "same value, int64 plan vs float64 storage", c: temporal, last: shards(float64(4)), now: shards(int64(4))},
		{name: "default then explicit default", c: temporal, last: map[string]any{}, now: shards(int64(512))},
		{name: "other values change", c: temporal, last: shards(4.0), now: map[string]any{"server": map[string]any{"config": map[string]any{"persistence": map[string]any{"numHistoryShards": 4, "other": 2}}}}},
		{name: "shards change", c: temporal, last: shards(4.0), now: shards(int64(512)),
			reject: "temporal: values." + path + " cannot change on an existing release: revision 3 was installed with 4, the plan now says 512. Keep 4 (e.g. --set temporal." + path + "=4), or start over: `devstack reset --tier apps`"},
		{name: "explicit back to chart default", c: temporal, last: shards(4.0), now: map[string]any{}, reject: "installed with 4, the plan now says 512"},
		{name: "no immutable paths", c: stack.Planned{Component: stack.Component{Name: "temporal"}}, last: shards(4.0), now: shards(int64(512))},
		{name: "foundation component", c: stack.Planned{Component: stack.Component{Name: "x", Tier: stack.TierFoundation, Immutable: []string{path}}},
			last: shards(4.0), now: shards(int64(8)), reject: "start over: `devstack reset` removes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var last *release.Release
			if tc.last != nil {
				last = &release.Release{Name: tc.c.Name, Version: 3, Chart: shardsChart(), Config: tc.last}
			}
			err := checkImmutable(tc.c, last, shardsChart(), tc.now)
			if tc.reject == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			err = failed(tc.c.Name, err) // as Apply returns it
			var ie *ImmutableError
			if !errors.As(err, &ie) {
				t.Fatalf("err %v (%T), want an *ImmutableError", err, err)
			}
			if !strings.Contains(err.Error(), tc.reject) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tc.reject)
			}
			var coded interface{ ExitCode() int }
			if !errors.As(err, &coded) || coded.ExitCode() != 2 {
				t.Fatalf("exit code: %v", err)
			}
		})
	}
}
