package lint

import (
	"fmt"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/images"
)

// target is a Service or a pod (template) that a monitor can select.
type target struct {
	component string // "" for what the cluster itself runs
	kind      string // "Service" or "Pod"
	namespace string
	name      string
	labels    labels.Set
	ports     []string // named ports
}

// clusterTargets are what every kind cluster runs without a chart (kubeadm
// and kind's own manifests): kube-prometheus-stack's monitors of the
// control plane select them.
var clusterTargets = []target{
	{kind: "Service", namespace: "default", name: "kubernetes", labels: labels.Set{"component": "apiserver", "provider": "kubernetes"}, ports: []string{"https"}},
	{kind: "Service", namespace: "kube-system", name: "kube-dns", labels: labels.Set{"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"}, ports: []string{"dns", "dns-tcp", "metrics"}},
	{kind: "Pod", namespace: "kube-system", name: "coredns", labels: labels.Set{"k8s-app": "kube-dns"}, ports: []string{"dns", "dns-tcp", "metrics"}},
	{kind: "Pod", namespace: "kube-system", name: "kube-proxy", labels: labels.Set{"k8s-app": "kube-proxy"}},
	{kind: "Pod", namespace: "kube-system", name: "kindnet", labels: labels.Set{"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}},
	{kind: "Pod", namespace: "kube-system", name: "etcd", labels: labels.Set{"component": "etcd", "tier": "control-plane"}},
	{kind: "Pod", namespace: "kube-system", name: "kube-apiserver", labels: labels.Set{"component": "kube-apiserver", "tier": "control-plane"}},
	{kind: "Pod", namespace: "kube-system", name: "kube-controller-manager", labels: labels.Set{"component": "kube-controller-manager", "tier": "control-plane"}},
	{kind: "Pod", namespace: "kube-system", name: "kube-scheduler", labels: labels.Set{"component": "kube-scheduler", "tier": "control-plane"}},
	{kind: "Pod", namespace: "local-path-storage", name: "local-path-provisioner", labels: labels.Set{"app": "local-path-provisioner"}},
}

// world is every target the plan renders, plus the cluster's own.
type world struct{ targets []target }

func newWorld(renders []helm.PlanRender) *world {
	w := &world{targets: append([]target(nil), clusterTargets...)}
	for _, pr := range renders {
		if pr.Rendered == nil {
			continue
		}
		for _, o := range pr.Rendered.Objects {
			if t, ok := targetOf(pr.Component.Name, o, pr.Rendered); ok {
				w.targets = append(w.targets, t)
			}
		}
	}
	return w
}

func targetOf(component string, o helm.Object, r *helm.Rendered) (target, bool) {
	u := o.Object
	t := target{component: component, namespace: namespaceOf(o, r), name: u.GetName()}
	if u.GetAPIVersion() == "v1" && u.GetKind() == "Service" {
		t.kind, t.labels = "Service", u.GetLabels()
		ports, _, _ := unstructured.NestedSlice(u.Object, "spec", "ports")
		for _, p := range ports {
			if name, _ := p.(map[string]any)["name"].(string); name != "" {
				t.ports = append(t.ports, name)
			}
		}
		return t, true
	}
	path := images.PodSpecPath(u)
	if path == nil {
		return target{}, false
	}
	t.kind = "Pod"
	if u.GetKind() == "Pod" {
		t.labels = u.GetLabels()
	} else {
		meta := append(append([]string(nil), path[:len(path)-1]...), "metadata", "labels")
		m, _, _ := unstructured.NestedStringMap(u.Object, meta...)
		t.labels = m
	}
	spec, _, _ := unstructured.NestedMap(u.Object, path...)
	containers, _ := spec["containers"].([]any)
	for _, c := range containers {
		ports, _ := c.(map[string]any)["ports"].([]any)
		for _, p := range ports {
			if name, _ := p.(map[string]any)["name"].(string); name != "" {
				t.ports = append(t.ports, name)
			}
		}
	}
	return t, true
}

// monitorKinds maps the prometheus-operator's monitor kinds to what they
// select and where their endpoints name ports.
var monitorKinds = map[string]struct{ selects, endpoints string }{
	"ServiceMonitor": {"Service", "endpoints"},
	"PodMonitor":     {"Pod", "podMetricsEndpoints"},
}

// checkMonitors checks that every ServiceMonitor and PodMonitor of the
// component selects something, and that a selected target has the ports
// its endpoints name. A monitor that selects in its own release's
// namespace and finds nothing there or elsewhere in the plan is an error:
// Prometheus would scrape nothing. One that looks elsewhere (another
// namespace, any namespace) and finds nothing the plan renders or kind
// runs is a warning: an operator or the cluster may create its target.
func checkMonitors(pr helm.PlanRender, w *world) []Finding {
	var found []Finding
	r := pr.Rendered
	for _, o := range r.Objects {
		u := o.Object
		mk, ok := monitorKinds[u.GetKind()]
		if !ok || !strings.HasPrefix(u.GetAPIVersion(), "monitoring.coreos.com/") {
			continue
		}
		add := func(sev Severity, field, msg string) {
			found = append(found, Finding{Severity: sev, Check: CheckMonitor, Object: refOf(o, r), Template: o.Template, Field: field, Message: msg})
		}
		sel, err := selectorOf(u)
		if err != nil {
			add(Error, "spec.selector", err.Error())
			continue
		}
		own := namespaceOf(o, r)
		nsAny, nsNames := namespaceSelector(u, own)
		inScope := func(t target) bool {
			return t.kind == mk.selects && (nsAny || slices.Contains(nsNames, t.namespace)) && sel.Matches(t.labels)
		}
		var mine, others []target
		for _, t := range w.targets {
			if !inScope(t) {
				continue
			}
			if t.component == pr.Component.Name {
				mine = append(mine, t)
			} else {
				others = append(others, t)
			}
		}
		matched := mine
		if len(matched) == 0 {
			matched = others
		}
		if len(matched) == 0 {
			where := "namespace " + strings.Join(nsNames, ", ")
			if nsAny {
				where = "any namespace"
			}
			msg := fmt.Sprintf("selector %s matches no %s in %s", sel, mk.selects, where)
			if !nsAny && len(nsNames) == 1 && nsNames[0] == r.Namespace {
				add(Error, "spec.selector", msg+" of the release or the plan: Prometheus scrapes nothing")
			} else {
				add(Warning, "spec.selector", msg+" that the plan renders or kind runs (something the cluster creates later may match)")
			}
			continue
		}
		found = append(found, checkMonitorPorts(o, refOf(o, r), mk.endpoints, matched)...)
	}
	return found
}

// checkMonitorPorts: an endpoint that names a port must find it on some
// selected target; otherwise it scrapes nothing.
func checkMonitorPorts(o helm.Object, ref, endpointsField string, matched []target) []Finding {
	var found []Finding
	eps, _, _ := unstructured.NestedSlice(o.Object.Object, "spec", endpointsField)
	for i, ep := range eps {
		port, _ := ep.(map[string]any)["port"].(string)
		if port == "" {
			continue
		}
		has := false
		var names []string
		for _, t := range matched {
			has = has || slices.Contains(t.ports, port)
			names = append(names, t.kind+" "+t.namespace+"/"+t.name)
		}
		if !has {
			found = append(found, Finding{Severity: Error, Check: CheckMonitor, Object: ref, Template: o.Template,
				Field:   fmt.Sprintf("spec.%s[%d].port", endpointsField, i),
				Message: fmt.Sprintf("port %q is not a named port of the selected %s", port, strings.Join(names, ", "))})
		}
	}
	return found
}

func selectorOf(u *unstructured.Unstructured) (labels.Selector, error) {
	m, _, _ := unstructured.NestedMap(u.Object, "spec", "selector")
	var ls metav1.LabelSelector
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &ls); err != nil {
		return nil, fmt.Errorf("spec.selector: %w", err)
	}
	sel, err := metav1.LabelSelectorAsSelector(&ls)
	if err != nil {
		return nil, fmt.Errorf("spec.selector: %w", err)
	}
	return sel, nil
}

// namespaceSelector returns the monitor's namespaces: any, the listed
// ones, or (the prometheus-operator's default) its own.
func namespaceSelector(u *unstructured.Unstructured, own string) (bool, []string) {
	if anyNS, _, _ := unstructured.NestedBool(u.Object, "spec", "namespaceSelector", "any"); anyNS {
		return true, nil
	}
	if names, ok, _ := unstructured.NestedStringSlice(u.Object, "spec", "namespaceSelector", "matchNames"); ok && len(names) > 0 {
		return false, names
	}
	return false, []string{own}
}
