package images

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Container is one image reference of a pod spec inside an object.
type Container struct {
	// Field is the path of the image field, e.g.
	// "spec.template.spec.initContainers[0].image".
	Field string
	// Name is the container's name.
	Name  string
	Image string
	// PullPolicy is the container's imagePullPolicy as rendered (empty:
	// the kubelet's default).
	PullPolicy string
}

// podSpecPaths gives, per workload kind of the built-in API groups, where
// its pod spec is.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"PodTemplate":           {"template", "spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// containerLists are the pod spec's lists of containers, in the order the
// kubelet starts them.
var containerLists = []string{"initContainers", "containers", "ephemeralContainers"}

// builtinGroup reports whether apiVersion is of the core, apps, batch or
// (old) extensions group: a custom resource that happens to be called
// "Deployment" is not a workload the kubelet runs.
func builtinGroup(apiVersion string) bool {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return true
	}
	return group == "apps" || group == "batch" || group == "extensions"
}

// PodSpecPath returns the path of obj's pod spec, or nil when obj is no
// workload.
func PodSpecPath(obj *unstructured.Unstructured) []string {
	if !builtinGroup(obj.GetAPIVersion()) {
		return nil
	}
	return podSpecPaths[obj.GetKind()]
}

// Containers returns the image of every container, init container and
// ephemeral container of obj, a workload; nil for any other object.
func Containers(obj *unstructured.Unstructured) []Container {
	path := PodSpecPath(obj)
	if path == nil {
		return nil
	}
	spec, ok, _ := unstructured.NestedMap(obj.Object, path...)
	if !ok {
		return nil
	}
	var out []Container
	for _, list := range containerLists {
		items, _ := spec[list].([]any)
		for i, item := range items {
			m, _ := item.(map[string]any)
			image, _ := m["image"].(string)
			name, _ := m["name"].(string)
			policy, _ := m["imagePullPolicy"].(string)
			out = append(out, Container{Field: fmt.Sprintf("%s.%s[%d].image", strings.Join(path, "."), list, i),
				Name: name, Image: image, PullPolicy: policy})
		}
	}
	return out
}

// Use is one place that pulls an image.
type Use struct {
	Component string `json:"component"`
	// Object is "Kind namespace/name", or "catalog" for an image the
	// catalog declares (`images:`).
	Object string `json:"object"`
	// Template is the chart file that rendered the object.
	Template  string `json:"template,omitempty"`
	Field     string `json:"field,omitempty"`
	Container string `json:"container,omitempty"`
	// PullPolicy is the container's imagePullPolicy; "Never" means the
	// node must already have the image.
	PullPolicy string `json:"pullPolicy,omitempty"`
}

// DeclaredObject is the Object of a Use that the catalog declares.
const DeclaredObject = "catalog"

// Image is one distinct image and every place that pulls it.
type Image struct {
	Ref Ref `json:"-"`
	// Reference is Ref's normalised string.
	Reference string `json:"reference"`
	// Components are sorted and unique.
	Components []string `json:"components"`
	Uses       []Use    `json:"uses"`
}

// Pulled reports whether some use of the image lets the node pull it
// (imagePullPolicy other than Never).
func (img Image) Pulled() bool {
	for _, u := range img.Uses {
		if u.PullPolicy != "Never" {
			return true
		}
	}
	return false
}

// Invalid is a reference that does not parse (or an empty image field).
type Invalid struct {
	Use   Use    `json:"use"`
	Value string `json:"value"`
	Err   string `json:"error"`
}

// Set collects images, deduplicated by their normalised reference. The
// zero value is empty and ready to use; it is not safe for concurrent use.
type Set struct {
	byRef   map[string]*Image
	invalid []Invalid
}

// Add records that use pulls value.
func (s *Set) Add(value string, use Use) {
	ref, err := Parse(value)
	if err != nil {
		s.invalid = append(s.invalid, Invalid{Use: use, Value: value, Err: err.Error()})
		return
	}
	if s.byRef == nil {
		s.byRef = map[string]*Image{}
	}
	key := ref.String()
	img := s.byRef[key]
	if img == nil {
		img = &Image{Ref: ref, Reference: key}
		s.byRef[key] = img
	}
	img.Uses = append(img.Uses, use)
	if !slices.Contains(img.Components, use.Component) {
		img.Components = append(img.Components, use.Component)
		sort.Strings(img.Components)
	}
}

// AddObject records the images of obj, rendered by template of
// component; namespace is where obj lands when it names none (the
// release's namespace).
func (s *Set) AddObject(component, namespace, template string, obj *unstructured.Unstructured) {
	for _, c := range Containers(obj) {
		s.Add(c.Image, Use{Component: component, Object: objectRef(obj, namespace), Template: template, Field: c.Field, Container: c.Name, PullPolicy: c.PullPolicy})
	}
}

// AddDeclared records the images the catalog declares for component.
func (s *Set) AddDeclared(component string, refs []string) {
	for i, r := range refs {
		s.Add(r, Use{Component: component, Object: DeclaredObject, Field: fmt.Sprintf("images[%d]", i)})
	}
}

// Images returns every image, sorted by reference; each image's uses keep
// the order they were added in.
func (s *Set) Images() []Image {
	out := make([]Image, 0, len(s.byRef))
	for _, img := range s.byRef {
		out = append(out, *img)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Reference < out[j].Reference })
	return out
}

// Of returns the images component pulls, sorted, with only its own uses.
func (s *Set) Of(component string) []Image {
	var out []Image
	for _, img := range s.Images() {
		if !slices.Contains(img.Components, component) {
			continue
		}
		own := img
		own.Components = []string{component}
		own.Uses = nil
		for _, u := range img.Uses {
			if u.Component == component {
				own.Uses = append(own.Uses, u)
			}
		}
		out = append(out, own)
	}
	return out
}

// Invalid returns the references that did not parse, in the order found.
func (s *Set) Invalid() []Invalid { return append([]Invalid(nil), s.invalid...) }

func objectRef(obj *unstructured.Unstructured, namespace string) string {
	if ns := obj.GetNamespace(); ns != "" {
		namespace = ns
	}
	return obj.GetKind() + " " + namespace + "/" + obj.GetName()
}
