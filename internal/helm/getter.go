package helm

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// clientGetter is the genericclioptions.RESTClientGetter handed to Helm. It
// loads the kubeconfig once and keeps discovery in memory only (kubectl's
// getter writes a discovery cache under ~/.kube), so every release of a run
// shares one config, one discovery cache and one REST mapper.
type clientGetter struct {
	raw    clientcmd.ClientConfig
	config *rest.Config
	disc   discovery.CachedDiscoveryInterface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

func newClientGetter(kubeconfig, context string) (*clientGetter, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	raw := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: context})
	config, err := raw.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	// Helm and the readiness poll issue many small requests; client-go's
	// default of 5 per second would dominate a converged run.
	config.QPS, config.Burst = 50, 100
	dc, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("creating the discovery client: %w", err)
	}
	disc := memory.NewMemCacheClient(dc)
	return &clientGetter{raw: raw, config: config, disc: disc, mapper: restmapper.NewDeferredDiscoveryRESTMapper(disc)}, nil
}

func (g *clientGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.config), nil }

func (g *clientGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.disc, nil
}

func (g *clientGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }

func (g *clientGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig { return g.raw }

// refresh forgets discovered API groups, so that kinds whose CRDs another
// release just installed are found.
func (g *clientGetter) refresh() {
	g.disc.Invalidate()
	g.mapper.Reset()
}
