package lint

import (
	"reflect"
	"testing"
)

func TestLintTraefikHosts(t *testing.T) {
	for match, want := range map[string][]string{
		"Host(`a.local`)":                       {"a.local"},
		"Host(`a.local`) && PathPrefix(`/api`)": {"a.local"},
		"Host(`a.local`, `b.local`)":            {"a.local", "b.local"},
		"Host(`a.local`) || Host(`c.local`)":    {"a.local", "c.local"},
		"HostRegexp(`^.+\\.local$`)":            nil,
		"HostSNI(`*`)":                          nil,
		"PathPrefix(`/`)":                       nil,
	} {
		if got := traefikHosts(match); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", match, got, want)
		}
	}
}

func TestLintLeavesAndVariants(t *testing.T) {
	values := deepCopy(map[string]any{
		"a":              map[string]any{"b": 1, "c": map[string]any{"d": true}},
		"list":           []any{"/", "/x"},
		"empty":          map[string]any{},
		"nothing":        nil,
		"podAnnotations": map[string]any{"prometheus.io/scrape": "true"},
	})
	var got []string
	for _, l := range leaves(values) {
		got = append(got, l.String())
	}
	want := []string{"a.b", "a.c.d", "empty", "list", "nothing", `podAnnotations["prometheus.io/scrape"]`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("leaves %q, want %q", got, want)
	}
	// Removing the only key of a map removes the map.
	if w := without(values, leaf{"a", "c", "d"}); !reflect.DeepEqual(w["a"], map[string]any{"b": 1.0}) {
		t.Errorf("without a.c.d: %v", w["a"])
	}
	for _, tt := range []struct {
		l    leaf
		want any
	}{
		{leaf{"a", "b"}, 2.0},
		{leaf{"a", "c", "d"}, false},
		{leaf{"list"}, []any{"/-devstack-lint", "/x"}},
		{leaf{"empty"}, map[string]any{"devstack-lint": "devstack-lint"}},
		{leaf{"nothing"}, "devstack-lint"},
		{leaf{"podAnnotations", "prometheus.io/scrape"}, "true-devstack-lint"},
	} {
		if got := valueAt(changed(values, tt.l), tt.l); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("changed %s: %v, want %v", tt.l, got, tt.want)
		}
	}
	if valueAt(values, leaf{"a", "b"}) != 1.0 {
		t.Error("the variants modified the values")
	}
}
