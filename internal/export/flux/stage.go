package flux

import (
	"encoding/json"
	"fmt"
	"reflect"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/kustomize"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/stack"
)

// StageDir is a stage's cluster directory in the repository: the path
// `flux bootstrap --path` or a FluxInstance's sync.path names.
func StageDir(s Stage) string {
	return "clusters/stages/" + s.Name + "/clusters/" + s.Cluster
}

// addStage writes a stage's kustomization.yaml (base/services plus its
// patches), one patch per component whose values or timeout differ from
// the base, and its README.
func addStage(t Tree, base, s Stage) error {
	dir := StageDir(s)
	var patches []string
	for _, b := range base.Plan.Components {
		c, _ := s.Plan.Component(b.Name)
		patch, err := stagePatch(b, c)
		if err != nil {
			return fmt.Errorf("export: stage %s: %w", s.Name, err)
		}
		if patch == nil {
			continue
		}
		p := "patches/" + c.Name + ".yaml"
		if err := put(t, dir+"/"+p, patch); err != nil {
			return err
		}
		patches = append(patches, p)
	}
	what := fmt.Sprintf("stage %s, cluster %s: every component, with this stage's differences from %s as patches", s.Name, s.Cluster, base.Name)
	t[dir+"/kustomization.yaml"] = kustomizeFile(header(what), []string{relativeRoot() + "/base/services"}, patches)
	t[dir+"/README.md"] = []byte(stageReadme(base, s))
	return nil
}

// stagePatch is a patch of the component's Flux Kustomization that makes
// kustomize-controller patch its HelmRelease from base's values and timeout
// to c's; nil when they are the same.
func stagePatch(base, c stack.Planned) (map[string]any, error) {
	sameValues := reflect.DeepEqual(normal(base.Values), normal(c.Values))
	sameTimeout := timeoutOf(base) == timeoutOf(c)
	if sameValues && sameTimeout {
		return nil, nil
	}
	hr := map[string]any{
		"apiVersion": helmv2.GroupVersion.String(),
		"kind":       helmv2.HelmReleaseKind,
		"metadata":   map[string]any{"name": c.Name, "namespace": namespaceOf(c)},
	}
	spec := map[string]any{}
	if !sameTimeout {
		spec["timeout"] = timeoutOf(c).String()
	}
	var inner kustomize.Patch
	target := &kustomize.Selector{Group: helmv2.GroupVersion.Group, Version: helmv2.GroupVersion.Version, Kind: helmv2.HelmReleaseKind, Name: c.Name, Namespace: namespaceOf(c)}
	if !sameValues {
		diff, exact := mergePatch(normal(base.Values), normal(c.Values))
		if !exact {
			// A JSON merge patch cannot set a value to null (null deletes the
			// key); replace the values whole instead.
			ops := []map[string]any{{"op": "add", "path": "/spec/values", "value": normal(c.Values)}}
			if !sameTimeout {
				ops = append(ops, map[string]any{"op": "add", "path": "/spec/timeout", "value": spec["timeout"]})
			}
			b, err := yaml.Marshal(ops)
			if err != nil {
				return nil, err
			}
			inner = kustomize.Patch{Patch: string(b), Target: target}
		} else {
			spec["values"] = diff
		}
	}
	if inner.Patch == "" {
		hr["spec"] = spec
		b, err := yaml.Marshal(hr)
		if err != nil {
			return nil, err
		}
		inner = kustomize.Patch{Patch: string(b), Target: target}
	}
	// A map, not the typed Kustomization: the patch must carry only the
	// fields it changes (the typed struct would reset prune, interval and
	// sourceRef to their zero values).
	kspec := map[string]any{"patches": []kustomize.Patch{inner}}
	if !sameTimeout {
		kspec["timeout"] = timeoutOf(c).String()
	}
	k := map[string]any{
		"apiVersion": kustomizev1.GroupVersion.String(),
		"kind":       kustomizev1.KustomizationKind,
		"metadata":   map[string]any{"name": c.Name, "namespace": FluxNamespace},
		"spec":       kspec,
	}
	return k, nil
}

// normal is v as JSON decodes it (float64 numbers, map[string]any), so
// values from YAML files and from --set compare by meaning.
func normal(v map[string]any) map[string]any {
	if v == nil {
		return map[string]any{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil || out == nil {
		return map[string]any{}
	}
	return out
}

// mergePatch returns the RFC 7386 merge patch from a to b, and whether
// applying it to a gives exactly b (false when b holds nulls, or empty
// maps a merge patch would merge away).
func mergePatch(a, b map[string]any) (map[string]any, bool) {
	p := map[string]any{}
	for k, bv := range b {
		av, ok := a[k]
		if ok && reflect.DeepEqual(av, bv) {
			continue
		}
		am, aIsMap := av.(map[string]any)
		bm, bIsMap := bv.(map[string]any)
		if ok && aIsMap && bIsMap {
			sub, _ := mergePatch(am, bm)
			p[k] = sub
			continue
		}
		p[k] = bv
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			p[k] = nil
		}
	}
	return p, reflect.DeepEqual(applyMerge(a, p), b)
}

// applyMerge applies an RFC 7386 merge patch.
func applyMerge(target any, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	out := map[string]any{}
	if ok {
		for k, v := range tm {
			out[k] = v
		}
	}
	for k, v := range pm {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = applyMerge(out[k], v)
	}
	return out
}
