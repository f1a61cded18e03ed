package kind

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/devstack-dev/devstack/internal/stack"
)

// DefaultName is the cluster's name unless the profile or --name says
// otherwise; the kubeconfig context is "kind-" + name, as kind makes it.
const DefaultName = "devstack"

// Default host ports of the ingress entry points.
const (
	DefaultHTTPPort  = 80
	DefaultHTTPSPort = 443
)

// ListenAddress is where the ingress ports are published on the host:
// loopback only, so the laptop's services are not offered to its network.
const ListenAddress = "127.0.0.1"

// Spec is the cluster devstack wants. Everything in it is either compared
// with the running cluster or applied to it.
type Spec struct {
	Name string `json:"name"`
	// NodeImage is the kindest/node image, pinned by digest.
	NodeImage string `json:"nodeImage"`
	// KubernetesVersion is the version NodeImage's tag names (may be empty
	// for a custom image).
	KubernetesVersion string `json:"kubernetesVersion,omitempty"`
	Workers           int    `json:"workers"`
	HTTPPort          int    `json:"httpPort"`
	HTTPSPort         int    `json:"httpsPort"`
	// RegistryMirrors maps a registry host ("docker.io") to mirror
	// endpoints ("http://mirror.internal:5000"), tried in order.
	RegistryMirrors map[string][]string `json:"registryMirrors,omitempty"`
}

// Context is the kubeconfig context of the cluster, as kind names it.
func (s Spec) Context() string { return ContextFor(s.Name) }

// ContextFor returns the kubeconfig context kind gives cluster name.
func ContextFor(name string) string { return "kind-" + name }

// Overrides are the command-line flags that take precedence over the
// profile: --name, --node-image, --kubernetes-version.
type Overrides struct {
	Name              string
	NodeImage         string
	KubernetesVersion string
}

// SpecFor builds the wanted cluster from the plan's cluster part and the
// flags, fills the defaults and validates it. The node image comes from, in
// order: --node-image, --kubernetes-version (the image kind v0.33.0
// publishes for it), the profile, kind's default.
func SpecFor(c stack.Cluster, o Overrides) (Spec, error) {
	s := Spec{
		Name:      first(o.Name, c.Name, DefaultName),
		HTTPPort:  firstInt(c.HTTPPort, DefaultHTTPPort),
		HTTPSPort: firstInt(c.HTTPSPort, DefaultHTTPSPort),
	}
	if c.Workers != nil {
		s.Workers = *c.Workers
	}
	switch {
	case o.NodeImage != "":
		s.NodeImage = o.NodeImage
		if o.KubernetesVersion != "" && !sameVersion(VersionOfImage(o.NodeImage), o.KubernetesVersion) {
			return Spec{}, fmt.Errorf("--node-image %s does not match --kubernetes-version %s: give one of them", o.NodeImage, o.KubernetesVersion)
		}
	case o.KubernetesVersion != "":
		img, err := ImageForVersion(o.KubernetesVersion)
		if err != nil {
			return Spec{}, err
		}
		s.NodeImage = img
	default:
		s.NodeImage = first(c.NodeImage, DefaultNodeImage)
	}
	s.KubernetesVersion = VersionOfImage(s.NodeImage)
	if len(c.RegistryMirrors) > 0 {
		s.RegistryMirrors = make(map[string][]string, len(c.RegistryMirrors))
		for host, eps := range c.RegistryMirrors {
			s.RegistryMirrors[host] = append([]string(nil), eps...)
		}
	}
	if err := s.Validate(); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// validName is kind's own rule for cluster names.
var validName = regexp.MustCompile(`^[a-z0-9.-]+$`)

// Validate reports every problem of s at once.
func (s Spec) Validate() error {
	var errs []error
	if !validName.MatchString(s.Name) {
		errs = append(errs, fmt.Errorf("cluster name %q: use lower-case letters, digits, '.' and '-'", s.Name))
	}
	if s.NodeImage == "" {
		errs = append(errs, errors.New("node image is empty"))
	}
	if s.Workers < 0 || s.Workers > 10 {
		errs = append(errs, fmt.Errorf("workers = %d: between 0 and 10", s.Workers))
	}
	for _, p := range []struct {
		name string
		port int
	}{{"httpPort", s.HTTPPort}, {"httpsPort", s.HTTPSPort}} {
		if p.port < 1 || p.port > 65535 {
			errs = append(errs, fmt.Errorf("%s = %d: between 1 and 65535", p.name, p.port))
		}
	}
	if s.HTTPPort == s.HTTPSPort {
		errs = append(errs, fmt.Errorf("httpPort and httpsPort are both %d", s.HTTPPort))
	}
	hosts := make([]string, 0, len(s.RegistryMirrors))
	for h := range s.RegistryMirrors {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		if h == "" || strings.ContainsAny(h, "/\\ \t") || strings.Contains(h, "..") {
			errs = append(errs, fmt.Errorf("registry mirror host %q: a host name such as docker.io", h))
		}
		if len(s.RegistryMirrors[h]) == 0 {
			errs = append(errs, fmt.Errorf("registry mirror %s: no endpoints", h))
		}
		for _, ep := range s.RegistryMirrors[h] {
			if u, err := url.Parse(ep); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Errorf("registry mirror %s: endpoint %q is not an http(s) URL", h, ep))
			}
		}
	}
	return errors.Join(errs...)
}

func sameVersion(a, b string) bool {
	a, b = strings.TrimPrefix(a, "v"), strings.TrimPrefix(b, "v")
	return a == b || strings.HasPrefix(a, b+".")
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstInt(is ...int) int {
	for _, i := range is {
		if i != 0 {
			return i
		}
	}
	return 0
}
