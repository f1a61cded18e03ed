package flux

import (
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/stack"
)

func TestMergePatch(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		a, b      string
		patch     string
		wantExact bool
	}{
		{"scalar", "{x: 1, y: 2}", "{x: 3, y: 2}", "{x: 3}", true},
		{"nested and removed", "{m: {a: 1, b: 2}, gone: true}", "{m: {a: 1, b: 5}}", "{gone: null, m: {b: 5}}", true},
		{"list replaced whole", "{l: [1, 2]}", "{l: [3]}", "{l: [3]}", true},
		{"map becomes scalar", "{m: {a: 1}}", "{m: 7}", "{m: 7}", true},
		{"a null cannot be set by a merge patch", "{x: 1}", "{x: null}", "{x: null}", false},
	}
	for _, tc := range cases {
		var a, b, want map[string]any
		for _, s := range []struct {
			src string
			dst *map[string]any
		}{{tc.a, &a}, {tc.b, &b}, {tc.patch, &want}} {
			if err := yaml.Unmarshal([]byte(s.src), s.dst); err != nil {
				t.Fatal(err)
			}
		}
		got, exact := mergePatch(normal(a), normal(b))
		if !reflect.DeepEqual(got, normal(want)) || exact != tc.wantExact {
			t.Errorf("%s: patch %v exact %v, want %v exact %v", tc.name, got, exact, want, tc.wantExact)
		}
	}
}

// Where a merge patch cannot say it, the stage replaces the values whole
// with a JSON patch.
func TestStagePatchFallsBackToJSONPatch(t *testing.T) {
	t.Parallel()
	base := stack.Planned{Component: stack.Component{Name: "app", Namespace: "apps", Values: map[string]any{"x": 1.0}}}
	stage := base
	stage.Values = map[string]any{"x": nil}
	p, err := stagePatch(base, stage)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := yaml.Marshal(p)
	if !strings.Contains(string(b), "op: add") || !strings.Contains(string(b), "path: /spec/values") {
		t.Errorf("patch:\n%s", b)
	}
	if p, _ := stagePatch(base, base); p != nil {
		t.Errorf("same values and timeout: patch %v, want none", p)
	}
}

func TestKustomizationRefusesTwoConditionsOfOneKind(t *testing.T) {
	t.Parallel()
	c := stack.Planned{Component: stack.Component{Name: "db", Wait: []stack.WaitFor{
		{APIVersion: "x/v1", Kind: "Cluster", Name: "a"},
		{APIVersion: "x/v1", Kind: "Cluster", Name: "b", Condition: "Available"},
	}}}
	if _, err := kustomizationFor(c); err == nil || !strings.Contains(err.Error(), "one condition per kind") {
		t.Errorf("err = %v", err)
	}
	c.Wait[1].Condition = "Ready"
	k, err := kustomizationFor(c)
	if err != nil || k.Spec.Wait || len(k.Spec.HealthChecks) != 3 || len(k.Spec.HealthCheckExprs) != 1 {
		t.Errorf("same condition twice: err %v, kustomization %+v", err, k)
	}
}
