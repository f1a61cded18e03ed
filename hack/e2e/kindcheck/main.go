// Command kindcheck validates a node image the way devstack uses it: it
// creates a one-node kind cluster through sigs.k8s.io/kind/pkg/cluster (the
// library, not the kind binary) with the ingress ports mapped, waits for the
// node to be Ready, writes the kubeconfig, and optionally deletes the
// cluster again. It lets hack/e2e work on the node image independently of
// `devstack up`.
//
//	go run ./hack/e2e/kindcheck -image devstack-e2e/node:v1.37.1-abc -kubeconfig /tmp/kc
//	go run ./hack/e2e/kindcheck -delete
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cmd"
)

func main() {
	name := flag.String("name", "devstack-e2e-check", "cluster name")
	image := flag.String("image", "", "node image")
	kubeconfig := flag.String("kubeconfig", "", "where to write the kubeconfig")
	httpPort := flag.Int("http-port", 0, "host port mapped to the node's port 80 (0: none)")
	del := flag.Bool("delete", false, "delete the cluster instead")
	retain := flag.Bool("retain", false, "keep the node container when creation fails (for debugging)")
	flag.Parse()
	if err := run(*name, *image, *kubeconfig, *httpPort, *del, *retain); err != nil {
		fmt.Fprintln(os.Stderr, "kindcheck:", err)
		os.Exit(1)
	}
}

func run(name, image, kubeconfig string, httpPort int, del, retain bool) error {
	provider := cluster.NewProvider(cluster.ProviderWithLogger(cmd.NewLogger()))
	if del {
		return provider.Delete(name, kubeconfig)
	}
	if image == "" {
		return fmt.Errorf("-image is required")
	}
	node := v1alpha4.Node{Role: v1alpha4.ControlPlaneRole, Image: image}
	if httpPort != 0 {
		node.ExtraPortMappings = []v1alpha4.PortMapping{{ContainerPort: 80, HostPort: int32(httpPort), ListenAddress: "127.0.0.1"}}
	}
	cfg := &v1alpha4.Cluster{Nodes: []v1alpha4.Node{node}}
	start := time.Now()
	err := provider.Create(name,
		cluster.CreateWithV1Alpha4Config(cfg),
		cluster.CreateWithNodeImage(image),
		cluster.CreateWithKubeconfigPath(kubeconfig),
		cluster.CreateWithWaitForReady(4*time.Minute),
		cluster.CreateWithRetain(retain),
		cluster.CreateWithDisplayUsage(false),
		cluster.CreateWithDisplaySalutation(false),
	)
	if err != nil {
		return fmt.Errorf("creating cluster %s: %w", name, err)
	}
	fmt.Printf("cluster %s ready in %.1fs\n", name, time.Since(start).Seconds())
	return nil
}
