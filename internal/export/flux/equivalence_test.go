package flux_test

import (
	"encoding/json"
	"path"
	"reflect"
	"slices"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/export/flux"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// loadStages resolves each profile as devstack would and names the stage
// after it.
func loadStages(t *testing.T, names ...string) []flux.Stage {
	t.Helper()
	var out []flux.Stage
	for _, n := range names {
		p, err := stack.Load(stack.Options{FS: profiles.FS, Profile: n, ProfilePath: []string{"testdata/profiles"}})
		if err != nil {
			t.Fatalf("load %s: %v", n, err)
		}
		out = append(out, flux.Stage{Name: p.Profile, Plan: p})
	}
	return out
}

func export(t *testing.T, stages []flux.Stage) flux.Tree {
	t.Helper()
	tree, err := flux.Export(flux.Options{Stages: stages, ChartFS: profiles.FS})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// fluxKustomization is the part of a Flux Kustomization the emulation of
// kustomize-controller reads.
type fluxKustomization struct {
	Metadata struct{ Name string } `json:"metadata"`
	Spec     struct {
		Path      string `json:"path"`
		DependsOn []struct {
			Name string `json:"name"`
		} `json:"dependsOn"`
		Patches []struct {
			Patch  string         `json:"patch"`
			Target map[string]any `json:"target"`
		} `json:"patches"`
		Timeout string `json:"timeout"`
	} `json:"spec"`
}

// build runs kustomize (krusty, the library kustomize-controller uses) the
// way Flux reconciles a stage: the stage directory gives the Flux
// Kustomizations; each one's path is built with its spec.patches added to
// that directory's kustomization.yaml, as kustomize-controller's generator
// does. It returns the Kustomizations and the HelmRelease objects by name.
func build(t *testing.T, tree flux.Tree, stage flux.Stage) (map[string]fluxKustomization, map[string]map[string]any) {
	t.Helper()
	fs := filesys.MakeFsInMemory()
	for p, b := range tree {
		if err := fs.WriteFile("/repo/"+p, b); err != nil {
			t.Fatal(err)
		}
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	top, err := k.Run(fs, "/repo/"+flux.StageDir(stage))
	if err != nil {
		t.Fatalf("kustomize build %s: %v", flux.StageDir(stage), err)
	}
	ks := map[string]fluxKustomization{}
	releases := map[string]map[string]any{}
	for _, obj := range objects(t, top) {
		if obj["kind"] != "Kustomization" {
			t.Errorf("stage %s applies a %v directly; it should apply only Flux Kustomizations", stage.Name, obj["kind"])
			continue
		}
		var fk fluxKustomization
		convert(t, obj, &fk)
		ks[fk.Metadata.Name] = fk
		dir := path.Join("/repo", fk.Spec.Path)
		kfile := dir + "/kustomization.yaml"
		orig, err := fs.ReadFile(kfile)
		if err != nil {
			t.Fatalf("%s: %v", kfile, err)
		}
		var kz map[string]any
		if err := yaml.Unmarshal(orig, &kz); err != nil {
			t.Fatal(err)
		}
		var patches []any
		for _, p := range fk.Spec.Patches {
			patches = append(patches, map[string]any{"patch": p.Patch, "target": p.Target})
		}
		if patches != nil {
			kz["patches"] = patches
		}
		b, _ := yaml.Marshal(kz)
		if err := fs.WriteFile(kfile, b); err != nil {
			t.Fatal(err)
		}
		inner, err := k.Run(fs, dir)
		if err != nil {
			t.Fatalf("kustomize build %s (patched): %v", dir, err)
		}
		if err := fs.WriteFile(kfile, orig); err != nil {
			t.Fatal(err)
		}
		for _, o := range objects(t, inner) {
			if o["kind"] == "HelmRelease" {
				name := o["metadata"].(map[string]any)["name"].(string)
				if _, dup := releases[name]; dup {
					t.Errorf("HelmRelease %s built twice", name)
				}
				releases[name] = o
			}
		}
	}
	return ks, releases
}

func objects(t *testing.T, m resmap.ResMap) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range m.Resources() {
		obj, err := r.Map()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, obj)
	}
	return out
}

func convert(t *testing.T, in any, out any) {
	t.Helper()
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
}

// jsonNormal makes values comparable whatever decoded them.
func jsonNormal(t *testing.T, v any) any {
	t.Helper()
	if v == nil {
		v = map[string]any{}
	}
	var out any
	convert(t, v, &out)
	return out
}

// TestExportEquivalence: for every stage, the HelmRelease values kustomize
// builds from the exported tree equal devstack's merged plan values for
// that profile, key for key, with the plan's timeouts; and the
// Kustomizations' dependency graph equals the plan's graph.
func TestExportEquivalence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		stages []string
	}{
		{"catalog dev+prod", []string{"dev", "prod"}},
		{"catalog prod+dev", []string{"prod", "dev"}},
		{"catalog minimal", []string{"minimal"}},
		{"test stack", []string{"small", "small-prod"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			stages := loadStages(t, tc.stages...)
			tree := export(t, stages)
			for _, st := range stages {
				ks, releases := build(t, tree, st)
				if len(ks) != len(st.Plan.Components) || len(releases) != len(st.Plan.Components) {
					t.Errorf("stage %s: %d Kustomizations and %d HelmReleases for %d components", st.Name, len(ks), len(releases), len(st.Plan.Components))
				}
				for _, c := range st.Plan.Components {
					hr, ok := releases[c.Name]
					if !ok {
						t.Errorf("stage %s: no HelmRelease %s", st.Name, c.Name)
						continue
					}
					spec := hr["spec"].(map[string]any)
					got, want := jsonNormal(t, spec["values"]), jsonNormal(t, c.Values)
					if !reflect.DeepEqual(got, want) {
						gb, _ := yaml.Marshal(got)
						wb, _ := yaml.Marshal(want)
						t.Errorf("stage %s: HelmRelease %s values differ from the plan\n got:\n%s\nwant:\n%s", st.Name, c.Name, gb, wb)
					}
					if wantTimeout := timeout(c); spec["timeout"] != wantTimeout || ks[c.Name].Spec.Timeout != wantTimeout {
						t.Errorf("stage %s: %s timeouts release %v, kustomization %v; want %s", st.Name, c.Name, spec["timeout"], ks[c.Name].Spec.Timeout, wantTimeout)
					}
					var deps []string
					for _, d := range ks[c.Name].Spec.DependsOn {
						deps = append(deps, d.Name)
					}
					if w := sortedCopy(c.DependsOn); !slices.Equal(deps, w) {
						t.Errorf("stage %s: Kustomization %s dependsOn %v, plan %v", st.Name, c.Name, deps, w)
					}
				}
			}
		})
	}
}

func timeout(c stack.Planned) string {
	if c.TimeoutSeconds == 0 {
		return flux.DefaultTimeout.String()
	}
	return (time.Duration(c.TimeoutSeconds) * time.Second).String()
}

func sortedCopy(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
