package helm

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/helmpath"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/kind"
	"github.com/devstack-dev/devstack/internal/paths"
	"github.com/devstack-dev/devstack/internal/stack"
)

// A Renderer renders components' charts client-only, exactly as Apply
// would install them for the first time: the same chart (embedded, path,
// or through the download cache, downloading into it when it is missing),
// the same normalised values, Helm's own install action (dependency
// conditions, schema validation, the chart's kubeVersion check), with the
// capabilities a cluster would report at that point of `up`. It never
// contacts a cluster; `lookup` returns nothing, as in `helm template`.
//
// What counts as rendered: every regular manifest, the CRDs of the charts'
// crds/ directories (Helm installs them before rendering the templates),
// and the hooks that an install or an upgrade runs (pre-/post-install,
// pre-/post-upgrade). Test hooks (`helm test`) and hooks that run only on
// delete or rollback are left out: `up` never runs them, so it never pulls
// their images and their values do not shape what it installs.
//
// It is safe for concurrent use.
type Renderer struct {
	charts *Installer
	opts   RenderOptions
}

// RenderOptions configure a Renderer.
type RenderOptions struct {
	// CacheDir holds downloaded charts, as for Options; empty means
	// paths.CacheDir().
	CacheDir string
	// ChartFS holds the embedded local charts (profiles.FS).
	ChartFS fs.FS
	// HTTPClient, RegistryConfig and PlainHTTPRegistry fetch charts that
	// are missing from the cache, as for Options (and with the same
	// default for RegistryConfig).
	HTTPClient        *http.Client
	RegistryConfig    string
	PlainHTTPRegistry bool
}

// NewRenderer returns a Renderer. It reads no kubeconfig.
func NewRenderer(opts RenderOptions) (*Renderer, error) {
	if opts.CacheDir == "" {
		dir, err := paths.CacheDir()
		if err != nil {
			return nil, err
		}
		opts.CacheDir = dir
	}
	if opts.RegistryConfig == "" {
		if p := helmpath.ConfigPath("registry/config.json"); fileExists(p) {
			opts.RegistryConfig = p
		}
	}
	// A chart-only Installer: loadChart and the cache need nothing else,
	// so rendering loads charts exactly as Apply does.
	in := &Installer{
		opts: Options{CacheDir: opts.CacheDir, ChartFS: opts.ChartFS, RegistryConfig: opts.RegistryConfig,
			PlainHTTPRegistry: opts.PlainHTTPRegistry},
		http: opts.HTTPClient,
	}
	if in.http == nil {
		in.http = http.DefaultClient
	}
	return &Renderer{charts: in, opts: opts}, nil
}

// Downloads reports how many charts this Renderer fetched from the network.
func (r *Renderer) Downloads() int64 { return r.charts.Downloads() }

// Capabilities are what a cluster reports to a chart's templates.
type Capabilities struct {
	// KubeVersion is the cluster's version, e.g. "v1.37.0".
	KubeVersion string
	// APIVersions are added to the built-in ones Helm knows: "group/version"
	// and "group/version/Kind" of the custom resources already installed.
	APIVersions []string
}

// Object is one rendered Kubernetes object.
type Object struct {
	// Template is the chart file it came from, e.g.
	// "traefik/templates/deployment.yaml" or "traefik/crds/x.yaml".
	Template string
	// Hook lists the hook events of a hook ("pre-install", ...); empty for
	// a regular manifest.
	Hook []string
	// YAML is the object's document as rendered.
	YAML   string
	Object *unstructured.Unstructured
}

// Ref names the object for messages: "Deployment monitoring/grafana".
func (o Object) Ref() string {
	if ns := o.Object.GetNamespace(); ns != "" {
		return o.Object.GetKind() + " " + ns + "/" + o.Object.GetName()
	}
	return o.Object.GetKind() + " " + o.Object.GetName()
}

// Rendered is what a component's chart renders to.
type Rendered struct {
	Component string
	Namespace string
	// Chart and Version are the chart's metadata.
	Chart, Version string
	// Objects are the CRDs of crds/ directories first, then the regular
	// manifests in Helm's install order, then the install and upgrade hooks.
	Objects []Object
	// Notes is the rendered NOTES.txt; it installs nothing.
	Notes string
}

// Render renders component c with its plan values (the component's values
// are not modified). The chart's own crds/ CRDs join caps, as Helm
// installs them before it renders the templates.
func (r *Renderer) Render(ctx context.Context, c stack.Planned, caps Capabilities) (*Rendered, error) {
	return r.RenderValues(ctx, c, c.Values, caps)
}

// RenderValues renders component c with values instead of its own (lint
// renders variants of a component's values).
func (r *Renderer) RenderValues(ctx context.Context, c stack.Planned, values map[string]any, caps Capabilities) (*Rendered, error) {
	ch, err := r.charts.loadChart(ctx, c)
	if err != nil {
		return nil, err
	}
	vals, err := normalizeValues(values)
	if err != nil {
		return nil, err
	}
	kv, err := chartutil.ParseKubeVersion(caps.KubeVersion)
	if err != nil {
		return nil, fmt.Errorf("kubernetes version %q: %w", caps.KubeVersion, err)
	}
	crds, err := crdObjects(ch)
	if err != nil {
		return nil, err
	}
	apis := append(append([]string(nil), caps.APIVersions...), ProvidedAPIs(crds)...)

	i := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	i.ClientOnly, i.DryRun, i.DryRunOption, i.Replace = true, true, "client", true
	i.ReleaseName, i.Namespace = c.Name, namespaceOf(c)
	i.KubeVersion, i.APIVersions = kv, chartutil.VersionSet(apis)
	rel, err := i.RunWithContext(ctx, ch, vals)
	if err != nil {
		return nil, fmt.Errorf("rendering chart %s %s: %w", ch.Metadata.Name, ch.Metadata.Version, err)
	}
	out := &Rendered{Component: c.Name, Namespace: namespaceOf(c), Chart: ch.Metadata.Name,
		Version: ch.Metadata.Version, Notes: rel.Info.Notes}
	out.Objects = append(out.Objects, crds...)
	objs, err := splitManifest(rel.Manifest)
	if err != nil {
		return nil, err
	}
	out.Objects = append(out.Objects, objs...)
	for _, h := range rel.Hooks {
		if !runByUp(h) {
			continue
		}
		o, err := parseObject(h.Path, h.Manifest)
		if err != nil {
			return nil, err
		}
		if o.Object == nil {
			continue
		}
		for _, e := range h.Events {
			o.Hook = append(o.Hook, string(e))
		}
		out.Objects = append(out.Objects, o)
	}
	return out, nil
}

// runByUp reports whether an install or an upgrade runs the hook.
func runByUp(h *release.Hook) bool {
	for _, e := range h.Events {
		switch e {
		case release.HookPreInstall, release.HookPostInstall, release.HookPreUpgrade, release.HookPostUpgrade:
			return true
		}
	}
	return false
}

// crdObjects parses the CRDs of the chart's and its subcharts' crds/
// directories. Like Helm, it takes them whatever the subcharts' conditions.
func crdObjects(ch *chart.Chart) ([]Object, error) {
	var out []Object
	for _, crd := range ch.CRDObjects() {
		docs := releaseutil.SplitManifests(string(crd.File.Data))
		for _, k := range sortedManifestKeys(docs) {
			o, err := parseObject(crd.Filename, docs[k])
			if err != nil {
				return nil, err
			}
			if o.Object != nil {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// splitManifest parses a release manifest ("---\n# Source: file\n..." per
// document) into objects.
func splitManifest(manifest string) ([]Object, error) {
	docs := releaseutil.SplitManifests(manifest)
	var out []Object
	for _, k := range sortedManifestKeys(docs) {
		doc := docs[k]
		source := ""
		if rest, ok := strings.CutPrefix(doc, "# Source: "); ok {
			source, doc, _ = strings.Cut(rest, "\n")
		}
		o, err := parseObject(source, doc)
		if err != nil {
			return nil, err
		}
		if o.Object != nil {
			out = append(out, o)
		}
	}
	return out, nil
}

func sortedManifestKeys(docs map[string]string) []string {
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	return keys
}

// parseObject parses one YAML document; an empty or comment-only document
// gives an Object without Object.
func parseObject(template, doc string) (Object, error) {
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		return Object{}, fmt.Errorf("%s: parsing the rendered YAML: %w", template, err)
	}
	if len(m) == 0 {
		return Object{Template: template}, nil
	}
	return Object{Template: template, YAML: doc, Object: &unstructured.Unstructured{Object: m}}, nil
}

// ProvidedAPIs are the API versions that objects add to a cluster once
// installed: "group/version" and "group/version/Kind" of every served
// version of a CustomResourceDefinition, and "group/version" of an
// APIService (an aggregated API such as metrics.k8s.io). Sorted, unique.
func ProvidedAPIs(objs []Object) []string {
	set := map[string]bool{}
	for _, o := range objs {
		u := o.Object
		if u == nil {
			continue
		}
		switch {
		case u.GetKind() == "CustomResourceDefinition" && strings.HasPrefix(u.GetAPIVersion(), "apiextensions.k8s.io/"):
			group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(u.Object, "spec", "names", "kind")
			versions, _, _ := unstructured.NestedSlice(u.Object, "spec", "versions")
			for _, v := range versions {
				vm, _ := v.(map[string]any)
				name, _ := vm["name"].(string)
				if served, ok := vm["served"].(bool); name == "" || (ok && !served) {
					continue
				}
				set[group+"/"+name] = true
				if kind != "" {
					set[group+"/"+name+"/"+kind] = true
				}
			}
			// apiextensions.k8s.io/v1beta1 CRDs name one version.
			if v, ok, _ := unstructured.NestedString(u.Object, "spec", "version"); ok && v != "" {
				set[group+"/"+v] = true
				if kind != "" {
					set[group+"/"+v+"/"+kind] = true
				}
			}
		case u.GetKind() == "APIService" && strings.HasPrefix(u.GetAPIVersion(), "apiregistration.k8s.io/"):
			group, _, _ := unstructured.NestedString(u.Object, "spec", "group")
			v, _, _ := unstructured.NestedString(u.Object, "spec", "version")
			if group != "" && v != "" {
				set[group+"/"+v] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// PlanRender is one component of a rendered plan.
type PlanRender struct {
	Component stack.Planned
	// Capabilities are those the component was rendered with.
	Capabilities Capabilities
	// Rendered is nil when Err is set.
	Rendered *Rendered
	Err      error
}

// RenderPlan renders every component of the plan in its order, each with
// the capabilities the cluster has when `up` installs it: the Kubernetes
// version of the plan's node image, and
// the API versions that the CRDs and APIServices rendered by its
// dependencies, transitively, provide. A component that fails to render
// provides nothing; the others are still rendered.
func (r *Renderer) RenderPlan(ctx context.Context, p *stack.Plan) ([]PlanRender, error) {
	kv := PlanKubeVersion(p)
	if kv == "" {
		return nil, fmt.Errorf("no Kubernetes version to render with: the tag of node image %q names none", p.Cluster.NodeImage)
	}
	provides := map[string][]string{}
	out := make([]PlanRender, 0, len(p.Components))
	for _, c := range p.Components {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		caps := Capabilities{KubeVersion: kv, APIVersions: dependencyAPIs(p, c.Name, provides)}
		pr := PlanRender{Component: c, Capabilities: caps}
		pr.Rendered, pr.Err = r.Render(ctx, c, caps)
		if pr.Err == nil {
			provides[c.Name] = ProvidedAPIs(pr.Rendered.Objects)
		}
		out = append(out, pr)
	}
	return out, nil
}

// dependencyAPIs unions what the transitive dependencies of name provide.
func dependencyAPIs(p *stack.Plan, name string, provides map[string][]string) []string {
	seen := map[string]bool{}
	set := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		c, ok := p.Component(n)
		if !ok {
			return
		}
		for _, d := range c.DependsOn {
			if seen[d] {
				continue
			}
			seen[d] = true
			for _, a := range provides[d] {
				set[a] = true
			}
			visit(d)
		}
	}
	visit(name)
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// PlanKubeVersion is the Kubernetes version of the cluster `up` creates
// for the plan: its node image's, or kind's default node image's.
func PlanKubeVersion(p *stack.Plan) string {
	if p.Cluster.NodeImage != "" {
		return kind.VersionOfImage(p.Cluster.NodeImage)
	}
	return kind.VersionOfImage(kind.DefaultNodeImage)
}
