package kind

import (
	"fmt"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

// IngressLabel marks the node that publishes the ingress ports, the label
// kind's ingress guide uses; the ingress controller's values select it.
const IngressLabel = "ingress-ready"

// certsDir is where containerd looks up per-registry hosts.toml files once
// config_path points at it. Mirrors are files there, written into the
// running nodes, so changing them needs no new cluster.
const certsDir = "/etc/containerd/certs.d"

// containerdPatch points containerd's CRI registry configuration at
// certsDir. kind's node images use containerd's version 2 config format.
var containerdPatch = fmt.Sprintf(`[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = %q
`, certsDir)

// The node ports the ingress controller's Service listens on (the catalog's
// Traefik uses NodePort 30080 and 30443). Publishing node ports rather than
// host ports 80/443 works on any node and needs no privileged hostPort in
// the chart.
const (
	IngressNodePortHTTP  = 30080
	IngressNodePortHTTPS = 30443
)

// Config translates s into kind's own versioned configuration: one
// control-plane node labelled ingress-ready=true that publishes the ingress
// ports on loopback, s.Workers workers, every node on s.NodeImage, and
// containerd reading registry mirrors from certsDir.
func Config(s Spec) *v1alpha4.Cluster {
	c := &v1alpha4.Cluster{
		TypeMeta: v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"},
		Name:     s.Name,
		Nodes: []v1alpha4.Node{{
			Role:   v1alpha4.ControlPlaneRole,
			Image:  s.NodeImage,
			Labels: map[string]string{IngressLabel: "true"},
			ExtraPortMappings: []v1alpha4.PortMapping{
				{ContainerPort: IngressNodePortHTTP, HostPort: int32(s.HTTPPort), ListenAddress: ListenAddress, Protocol: v1alpha4.PortMappingProtocolTCP},
				{ContainerPort: IngressNodePortHTTPS, HostPort: int32(s.HTTPSPort), ListenAddress: ListenAddress, Protocol: v1alpha4.PortMappingProtocolTCP},
			},
		}},
		ContainerdConfigPatches: []string{containerdPatch},
	}
	for range s.Workers {
		c.Nodes = append(c.Nodes, v1alpha4.Node{Role: v1alpha4.WorkerRole, Image: s.NodeImage})
	}
	return c
}

// ConfigYAML is Config(s) as the YAML a user would give `kind create
// cluster --config`, for golden tests and for `devstack plan`.
func ConfigYAML(s Spec) ([]byte, error) {
	b, err := yaml.Marshal(Config(s))
	if err != nil {
		return nil, fmt.Errorf("encoding the kind config: %w", err)
	}
	return b, nil
}
