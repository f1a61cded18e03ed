package lint

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/stack"
)

// planIngress is what the plan's ingress controller serves.
type planIngress struct {
	// component renders the plan's ingress Service; empty when no
	// component of the plan does.
	component string
	// classes are the IngressClasses that component renders, and def the
	// one marked default ("" if none).
	classes []string
	def     string
}

// ingressOf finds the component that renders the plan's ingress Service
// (stack.Plan.Ingress) and the IngressClasses it installs: those are the
// classes whose Ingresses reach the plan's hosts.
func ingressOf(p *stack.Plan, renders []helm.PlanRender) planIngress {
	for _, pr := range renders {
		if pr.Rendered == nil {
			continue
		}
		owns := false
		for _, o := range pr.Rendered.Objects {
			if o.Object.GetAPIVersion() == "v1" && o.Object.GetKind() == "Service" && o.Object.GetName() == p.Ingress.Service &&
				namespaceOf(o, pr.Rendered) == p.Ingress.Namespace {
				owns = true
			}
		}
		if !owns {
			continue
		}
		ing := planIngress{component: pr.Component.Name}
		for _, o := range pr.Rendered.Objects {
			if o.Object.GetKind() == "IngressClass" && strings.HasPrefix(o.Object.GetAPIVersion(), "networking.k8s.io/") {
				ing.classes = append(ing.classes, o.Object.GetName())
				if o.Object.GetAnnotations()["ingressclass.kubernetes.io/is-default-class"] == "true" {
					ing.def = o.Object.GetName()
				}
			}
		}
		return ing
	}
	return planIngress{}
}

// checkIngresses checks the component's Ingresses and Traefik
// IngressRoutes: every host they route must be one of the component's
// planned hosts (only those resolve, through devstack's DNS), every
// Ingress must use a class of the plan's ingress controller, and every
// planned host should be routed by something.
func checkIngresses(pr helm.PlanRender, ing planIngress) []Finding {
	var found []Finding
	hosts := pr.Component.Hosts
	routed := map[string]bool{}
	checkHost := func(o helm.Object, field, host string) {
		routed[host] = true
		if !slices.Contains(hosts, host) {
			found = append(found, Finding{Severity: Error, Check: CheckIngress, Object: refOf(o, pr.Rendered), Template: o.Template, Field: field,
				Message: fmt.Sprintf("host %q is not among the component's hosts %s: devstack's DNS does not answer for it", host, listOrNone(hosts))})
		}
	}
	for _, o := range pr.Rendered.Objects {
		u := o.Object
		switch {
		case u.GetKind() == "Ingress" && (strings.HasPrefix(u.GetAPIVersion(), "networking.k8s.io/") || strings.HasPrefix(u.GetAPIVersion(), "extensions/")):
			found = append(found, checkIngressClass(o, refOf(o, pr.Rendered), ing)...)
			rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
			for i, r := range rules {
				rm, _ := r.(map[string]any)
				if h, _ := rm["host"].(string); h != "" {
					checkHost(o, fmt.Sprintf("spec.rules[%d].host", i), h)
				}
			}
		case u.GetKind() == "IngressRoute" && (strings.HasPrefix(u.GetAPIVersion(), "traefik.io/") || strings.HasPrefix(u.GetAPIVersion(), "traefik.containo.us/")):
			routes, _, _ := unstructured.NestedSlice(u.Object, "spec", "routes")
			for i, r := range routes {
				rm, _ := r.(map[string]any)
				match, _ := rm["match"].(string)
				for _, h := range traefikHosts(match) {
					checkHost(o, fmt.Sprintf("spec.routes[%d].match", i), h)
				}
			}
		}
	}
	for _, h := range hosts {
		if !routed[h] {
			found = append(found, Finding{Severity: Warning, Check: CheckIngress, Field: "hosts",
				Message: fmt.Sprintf("host %q is planned for the component but no Ingress or IngressRoute it renders routes it", h)})
		}
	}
	return found
}

func checkIngressClass(o helm.Object, ref string, ing planIngress) []Finding {
	u := o.Object
	class, _, _ := unstructured.NestedString(u.Object, "spec", "ingressClassName")
	field := "spec.ingressClassName"
	if class == "" {
		if a := u.GetAnnotations()["kubernetes.io/ingress.class"]; a != "" {
			class, field = a, "metadata.annotations[kubernetes.io/ingress.class]"
		}
	}
	finding := func(sev Severity, msg string) []Finding {
		return []Finding{{Severity: sev, Check: CheckIngress, Object: ref, Template: o.Template, Field: field, Message: msg}}
	}
	switch {
	case ing.component == "":
		return finding(Warning, "no component of the plan renders the plan's ingress Service, so the ingress class cannot be checked")
	case class == "" && ing.def != "":
		return nil
	case class == "":
		return finding(Error, fmt.Sprintf("no ingress class, and %s installs no default IngressClass: no controller serves it", ing.component))
	case !slices.Contains(ing.classes, class):
		return finding(Error, fmt.Sprintf("ingress class %q is not the plan's: %s serves %s", class, ing.component, listOrNone(ing.classes)))
	}
	return nil
}

// traefikHost matches Host(`a`, `b`) in a Traefik router rule (v2 and v3
// syntax); HostRegexp and HostSNI are not host names.
var traefikHost = regexp.MustCompile("Host\\(([^)]*)\\)")

func traefikHosts(match string) []string {
	var out []string
	for _, m := range traefikHost.FindAllStringSubmatch(match, -1) {
		for _, part := range strings.Split(m[1], ",") {
			h := strings.Trim(strings.TrimSpace(part), "`\"'")
			if h != "" {
				out = append(out, h)
			}
		}
	}
	return out
}

func listOrNone(xs []string) string {
	if len(xs) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(xs, ", ") + "]"
}

// refOf names a namespaced object for messages: "Kind namespace/name".
func refOf(o helm.Object, r *helm.Rendered) string {
	return o.Object.GetKind() + " " + namespaceOf(o, r) + "/" + o.Object.GetName()
}

// namespaceOf is the namespace an object lands in: its own, or the
// release's (Helm installs namespaced objects without one there).
func namespaceOf(o helm.Object, r *helm.Rendered) string {
	if ns := o.Object.GetNamespace(); ns != "" {
		return ns
	}
	return r.Namespace
}
