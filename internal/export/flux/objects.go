package flux

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	helmv2 "github.com/fluxcd/helm-controller/api/v2"
	kustomizev1 "github.com/fluxcd/kustomize-controller/api/v1"
	"github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/apis/meta"
	sourcev1 "github.com/fluxcd/source-controller/api/v1"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/stack"
)

// DefaultTimeout is the installer's bound for components without
// timeoutSeconds (internal/helm.DefaultTimeout), so that Flux gives each
// release the time `devstack up` gives it.
const DefaultTimeout = 10 * time.Minute

// Reconciliation intervals: sources are pinned versions, so they are
// re-checked rarely; releases are re-checked for drift more often.
const (
	sourceInterval  = time.Hour
	releaseInterval = 10 * time.Minute
	retryInterval   = time.Minute
)

// The labels every exported object carries, so that `kubectl get -l` finds
// what the export made.
const componentLabel = "devstack.dev/component"

// pruneDisabled keeps a Namespace several components share when one of
// them is removed: kustomize-controller prunes what a Kustomization no
// longer applies.
const pruneAnnotation = "kustomize.toolkit.fluxcd.io/prune"

// helmChartLayer selects the chart of an OCI Helm artifact.
const helmChartLayer = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

func timeoutOf(c stack.Planned) time.Duration {
	if c.TimeoutSeconds > 0 {
		return time.Duration(c.TimeoutSeconds) * time.Second
	}
	return DefaultTimeout
}

func duration(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func objectMeta(c stack.Planned, name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{componentLabel: c.Name}}
}

// addComponent writes apps/base/<component>/: the Namespace, the chart's
// source (or the chart itself, for local charts), the HelmRelease and the
// kustomization.yaml listing them.
func addComponent(t Tree, chartFS fs.FS, c stack.Planned, sharedNS bool) error {
	dir := "apps/base/" + c.Name + "/"
	ns := namespaceOf(c)
	var files []string
	if ns != "default" && ns != "kube-system" {
		obj := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: objectMeta(c, ns, "")}
		if sharedNS {
			obj.Annotations = map[string]string{pruneAnnotation: "disabled"}
		}
		if err := put(t, dir+"namespace.yaml", obj); err != nil {
			return err
		}
		files = append(files, "namespace.yaml")
	}
	hr, source, err := release(c)
	if err != nil {
		return err
	}
	if source != nil {
		if err := put(t, dir+"source.yaml", source); err != nil {
			return err
		}
		files = append(files, "source.yaml")
	}
	if c.Chart != nil && c.Chart.Path != "" {
		if err := addChart(t, chartFS, c); err != nil {
			return err
		}
	}
	if err := put(t, dir+"helmrelease.yaml", hr); err != nil {
		return err
	}
	files = append(files, "helmrelease.yaml")
	t[dir+"kustomization.yaml"] = kustomizeFile(header("component "+c.Name+": its namespace, chart source and HelmRelease"), files, nil)
	return nil
}

// localChartDir is where a local chart is written in the repository.
func localChartDir(c stack.Planned) string { return "charts/" + c.Name }

// release returns the component's HelmRelease and its chart source
// (nil for local charts, which come from the repository's own
// GitRepository).
func release(c stack.Planned) (*helmv2.HelmRelease, any, error) {
	ns := namespaceOf(c)
	remediateLast := true
	hr := &helmv2.HelmRelease{
		TypeMeta:   metav1.TypeMeta{APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind},
		ObjectMeta: objectMeta(c, c.Name, ns),
		Spec: helmv2.HelmReleaseSpec{
			ReleaseName: c.Name,
			Interval:    metav1.Duration{Duration: releaseInterval},
			Timeout:     duration(timeoutOf(c)),
			Install: &helmv2.Install{
				CRDs:        helmv2.CreateReplace,
				Remediation: &helmv2.InstallRemediation{Retries: 3},
			},
			Upgrade: &helmv2.Upgrade{
				CRDs:        helmv2.CreateReplace,
				Remediation: &helmv2.UpgradeRemediation{Retries: 3, RemediateLastFailure: &remediateLast},
			},
		},
	}
	if len(c.Values) > 0 {
		raw, err := json.Marshal(c.Values)
		if err != nil {
			return nil, nil, fmt.Errorf("export: values of %s: %w", c.Name, err)
		}
		hr.Spec.Values = &apiextensionsv1.JSON{Raw: raw}
	}
	ch := c.Chart
	switch {
	case ch == nil:
		return nil, nil, &Error{Stage: "-", Component: c.Name, Field: "chart", Msg: "no chart"}
	case ch.Path != "":
		hr.Spec.Chart = &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
			Chart:             "./" + localChartDir(c),
			ReconcileStrategy: sourcev1.ReconcileStrategyRevision,
			SourceRef:         helmv2.CrossNamespaceObjectReference{Kind: sourcev1.GitRepositoryKind, Name: SourceName, Namespace: FluxNamespace},
			Interval:          duration(releaseInterval),
		}}
		return hr, nil, nil
	case ch.OCI != "":
		repo := &sourcev1.OCIRepository{
			TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.OCIRepositoryKind},
			ObjectMeta: objectMeta(c, c.Name, ns),
			Spec: sourcev1.OCIRepositorySpec{
				URL:           ch.OCI,
				Reference:     &sourcev1.OCIRepositoryRef{Tag: ch.Version},
				LayerSelector: &sourcev1.OCILayerSelector{MediaType: helmChartLayer, Operation: sourcev1.OCILayerCopy},
				Interval:      metav1.Duration{Duration: sourceInterval},
			},
		}
		hr.Spec.ChartRef = &helmv2.CrossNamespaceSourceReference{Kind: sourcev1.OCIRepositoryKind, Name: c.Name, Namespace: ns}
		return hr, repo, nil
	default:
		repo := &sourcev1.HelmRepository{
			TypeMeta:   metav1.TypeMeta{APIVersion: sourcev1.GroupVersion.String(), Kind: sourcev1.HelmRepositoryKind},
			ObjectMeta: objectMeta(c, c.Name, ns),
			Spec:       sourcev1.HelmRepositorySpec{URL: ch.Repo, Interval: metav1.Duration{Duration: sourceInterval}},
		}
		hr.Spec.Chart = &helmv2.HelmChartTemplate{Spec: helmv2.HelmChartTemplateSpec{
			Chart:     ch.Name,
			Version:   ch.Version,
			SourceRef: helmv2.CrossNamespaceObjectReference{Kind: sourcev1.HelmRepositoryKind, Name: c.Name, Namespace: ns},
			Interval:  duration(sourceInterval),
		}}
		return hr, repo, nil
	}
}

// kustomizationFor is the component's Flux Kustomization in base/services.
// Its dependsOn are exactly the plan's edges. Flux ignores healthChecks
// when wait is true (kustomize-controller: "When enabled, the
// HealthChecks are ignored"), so a component whose readiness includes
// custom resources lists the HelmRelease and those resources as health
// checks, with CEL expressions for their condition, instead of wait.
func kustomizationFor(c stack.Planned) (*kustomizev1.Kustomization, error) {
	k := &kustomizev1.Kustomization{
		TypeMeta:   metav1.TypeMeta{APIVersion: kustomizev1.GroupVersion.String(), Kind: kustomizev1.KustomizationKind},
		ObjectMeta: objectMeta(c, c.Name, FluxNamespace),
		Spec: kustomizev1.KustomizationSpec{
			Interval:      metav1.Duration{Duration: releaseInterval},
			RetryInterval: duration(retryInterval),
			Timeout:       duration(timeoutOf(c)),
			Path:          "./apps/base/" + c.Name,
			Prune:         true,
			SourceRef:     kustomizev1.CrossNamespaceSourceReference{Kind: sourcev1.GitRepositoryKind, Name: SourceName},
		},
	}
	for _, d := range sorted(c.DependsOn) {
		k.Spec.DependsOn = append(k.Spec.DependsOn, meta.DependencyReference{Name: d})
	}
	if len(c.Wait) == 0 {
		k.Spec.Wait = true
		return k, nil
	}
	k.Spec.HealthChecks = []meta.NamespacedObjectKindReference{{
		APIVersion: helmv2.GroupVersion.String(), Kind: helmv2.HelmReleaseKind, Name: c.Name, Namespace: namespaceOf(c),
	}}
	// Flux's CEL health checks are per kind: one condition per kind.
	exprs := map[string]string{}
	for _, w := range c.Wait {
		ns := w.Namespace
		if ns == "" {
			ns = namespaceOf(c)
		}
		k.Spec.HealthChecks = append(k.Spec.HealthChecks, meta.NamespacedObjectKindReference{APIVersion: w.APIVersion, Kind: w.Kind, Name: w.Name, Namespace: ns})
		key, cond := w.APIVersion+" "+w.Kind, w.Condition
		if cond == "" {
			cond = "Ready"
		}
		switch prev, seen := exprs[key]; {
		case !seen:
			exprs[key] = cond
			k.Spec.HealthCheckExprs = append(k.Spec.HealthCheckExprs, conditionCheck(w))
		case prev != cond:
			return nil, &Error{Stage: "-", Component: c.Name, Field: "wait", Msg: fmt.Sprintf("waits for %s %s on conditions %s and %s: Flux's health checks take one condition per kind", w.APIVersion, w.Kind, prev, cond)}
		}
	}
	return k, nil
}

// conditionCheck is healthy when the resource's condition (Ready by
// default) is True, as devstack's installer waits for it.
func conditionCheck(w stack.WaitFor) kustomize.CustomHealthCheck {
	cond := w.Condition
	if cond == "" {
		cond = "Ready"
	}
	has := fmt.Sprintf("has(status.conditions) && status.conditions.exists(c, c.type == '%s'", cond)
	return kustomize.CustomHealthCheck{
		APIVersion: w.APIVersion,
		Kind:       w.Kind,
		HealthCheckExpressions: kustomize.HealthCheckExpressions{
			Current:    has + " && c.status == 'True')",
			InProgress: "!has(status.conditions) || !status.conditions.exists(c, c.type == '" + cond + "' && c.status == 'True')",
		},
	}
}

// put marshals obj to YAML (keys sorted, no status, no null
// creationTimestamp) under p.
func put(t Tree, p string, obj any) error {
	b, err := marshal(obj)
	if err != nil {
		return fmt.Errorf("export: %s: %w", p, err)
	}
	t[p] = b
	return nil
}

func marshal(obj any) ([]byte, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if spec, ok := m["spec"].(map[string]any); ok && len(spec) == 0 {
		delete(m, "spec") // a Namespace's empty spec
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	return yaml.Marshal(m)
}

// kustomizeFile is a kustomize.config.k8s.io kustomization.yaml.
func kustomizeFile(comment string, resources []string, patches []string) []byte {
	var b strings.Builder
	b.WriteString(comment)
	b.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, r := range resources {
		fmt.Fprintf(&b, "  - %s\n", r)
	}
	if len(patches) > 0 {
		b.WriteString("patches:\n")
		for _, p := range patches {
			fmt.Fprintf(&b, "  - path: %s\n", p)
		}
	}
	return []byte(b.String())
}

func header(what string) string {
	return "# Written by `devstack export flux`: " + what + ".\n# Change the stack and export again rather than editing this file.\n"
}

// relativeRoot is the path from a stage's cluster directory back to the
// repository root.
func relativeRoot() string { return path.Join("..", "..", "..", "..", "..") }
