package stack

// APIVersion and Kind identify a devstack document.
const (
	APIVersion = "devstack.dev/v1alpha1"
	Kind       = "Stack"
)

// Document is one file of the stack schema: the catalog, a profile or a
// user's file all use it, and later ones overlay earlier ones.
type Document struct {
	APIVersion  string `yaml:"apiVersion" json:"apiVersion"`
	Kind        string `yaml:"kind" json:"kind"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Domain is the DNS domain of the ingress hosts ("local" by default).
	Domain string `yaml:"domain,omitempty" json:"domain,omitempty"`
	// Standalone makes a profile replace the catalog instead of overlaying
	// it (test profiles made of the project's own charts use it).
	Standalone bool `yaml:"standalone,omitempty" json:"standalone,omitempty"`
	// Only restricts the stack to these components and everything they
	// depend on (the minimal profile uses it).
	Only    []string `yaml:"only,omitempty" json:"only,omitempty"`
	Cluster *Cluster `yaml:"cluster,omitempty" json:"cluster,omitempty"`
	// Ingress is the Service that serves the hosts; pods resolve the hosts
	// to it (CoreDNS). Default: service traefik in namespace traefik.
	Ingress    *Ingress    `yaml:"ingress,omitempty" json:"ingress,omitempty"`
	Components []Component `yaml:"components,omitempty" json:"components,omitempty"`

	file       string
	onlyLine   int
	domainLine int
}

// Cluster is the kind cluster a profile asks for. Zero fields keep the
// value of the earlier layer.
type Cluster struct {
	Name      string `yaml:"name,omitempty" json:"name,omitempty"`
	NodeImage string `yaml:"nodeImage,omitempty" json:"nodeImage,omitempty"`
	Workers   *int   `yaml:"workers,omitempty" json:"workers,omitempty"`
	HTTPPort  int    `yaml:"httpPort,omitempty" json:"httpPort,omitempty"`
	HTTPSPort int    `yaml:"httpsPort,omitempty" json:"httpsPort,omitempty"`
	// RegistryMirrors maps a registry host to mirror endpoints for containerd.
	RegistryMirrors map[string][]string `yaml:"registryMirrors,omitempty" json:"registryMirrors,omitempty"`
}

// Ingress names the ingress controller's Service.
type Ingress struct {
	Namespace string `yaml:"namespace" json:"namespace"`
	Service   string `yaml:"service" json:"service"`
}

// Tier is seed 000's split between what must exist first and what assumes it.
type Tier string

// The tiers.
const (
	TierFoundation Tier = "foundation"
	TierApps       Tier = "apps"
)

// Component is one Helm release of the stack.
type Component struct {
	Name      string   `yaml:"name" json:"name"`
	Chart     *Chart   `yaml:"chart,omitempty" json:"chart,omitempty"`
	Namespace string   `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	DependsOn []string `yaml:"dependsOn,omitempty" json:"dependsOn,omitempty"`
	// Hosts are ingress host names; "${domain}" is replaced by the stack's
	// domain and a name without a dot gets ".<domain>" appended.
	Hosts  []string       `yaml:"hosts,omitempty" json:"hosts,omitempty"`
	Values map[string]any `yaml:"values,omitempty" json:"values,omitempty"`
	Tier   Tier           `yaml:"tier,omitempty" json:"tier,omitempty"`
	// EstimatedSeconds is how long a cold install usually takes; the
	// scheduler's critical path and the progress view use it.
	EstimatedSeconds int `yaml:"estimatedSeconds,omitempty" json:"estimatedSeconds,omitempty"`
	// TimeoutSeconds bounds install plus wait (0: the installer's default).
	TimeoutSeconds int `yaml:"timeoutSeconds,omitempty" json:"timeoutSeconds,omitempty"`
	// Resources are the summed resource requests of the release's pods.
	Resources *Resources `yaml:"resources,omitempty" json:"resources,omitempty"`
	// Wait names custom resources whose Ready condition the installer waits
	// for after Helm's own wait (operator-managed clusters).
	Wait []WaitFor `yaml:"wait,omitempty" json:"wait,omitempty"`
	// Images are the image references of pods that operators create at
	// run time (a database cluster, Prometheus, Flux's controllers): the
	// chart does not render them, yet `up` pulls them. Each carries a tag
	// or a digest, never "latest".
	Images []string `yaml:"images,omitempty" json:"images,omitempty"`
	// Immutable are values paths ("server.config.persistence.numHistoryShards")
	// that cannot change once the release exists: the application stores
	// them in its data, and a new value would break it. `up` refuses such
	// a change on an existing release.
	Immutable []string `yaml:"immutable,omitempty" json:"immutable,omitempty"`
	// Credentials says where generated credentials live; the secrets
	// themselves are never read into output.
	Credentials string `yaml:"credentials,omitempty" json:"credentials,omitempty"`
	// Disabled removes the component from the plan (a user file can turn a
	// catalog component off).
	Disabled bool `yaml:"disabled,omitempty" json:"disabled,omitempty"`

	pos position
}

// Chart says where a component's chart comes from: a Helm repository
// (Repo + Name + Version), an OCI reference (OCI + Version) or a local path
// (Path; relative paths are relative to the file that names them, and paths
// in the embedded profiles are inside profiles/).
type Chart struct {
	Repo    string `yaml:"repo,omitempty" json:"repo,omitempty"`
	Name    string `yaml:"name,omitempty" json:"name,omitempty"`
	OCI     string `yaml:"oci,omitempty" json:"oci,omitempty"`
	Path    string `yaml:"path,omitempty" json:"path,omitempty"`
	Version string `yaml:"version,omitempty" json:"version,omitempty"`
	// Embedded is true for a Path inside the binary's embedded profiles/.
	Embedded bool `yaml:"-" json:"embedded,omitempty"`
}

// Resources are CPU and memory requests as Kubernetes quantities.
type Resources struct {
	CPU    string `yaml:"cpu,omitempty" json:"cpu,omitempty"`
	Memory string `yaml:"memory,omitempty" json:"memory,omitempty"`
}

// WaitFor is a custom resource to wait for until its condition is True.
type WaitFor struct {
	APIVersion string `yaml:"apiVersion" json:"apiVersion"`
	Kind       string `yaml:"kind" json:"kind"`
	Name       string `yaml:"name" json:"name"`
	// Namespace defaults to the component's namespace.
	Namespace string `yaml:"namespace,omitempty" json:"namespace,omitempty"`
	// Condition defaults to "Ready"; some operators use "Available".
	Condition string `yaml:"condition,omitempty" json:"condition,omitempty"`
}
