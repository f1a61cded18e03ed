package testcluster

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kwokStages is kwok's configuration: the life cycle of the fake node and
// its pods.
//
//go:embed kwok.yaml
var kwokStages []byte

// NodeName is the kwok node pods are scheduled on.
const NodeName = "kwok-node-0"

// Cluster is a running control plane.
type Cluster struct {
	// Kubeconfig is the path of an admin kubeconfig (mode 0600).
	Kubeconfig string
	// Context is the kubeconfig's only context.
	Context string
	// Config is the admin REST config.
	Config *rest.Config
	// StartupTime is how long Start took, binaries already built.
	StartupTime time.Duration

	dir   string
	owned bool // dir is removed by Stop
	procs []*process
}

// Start runs etcd, kube-apiserver, kube-controller-manager, kube-scheduler
// and kwok from binDir on free loopback ports, with their files and logs in
// dir (a temporary directory, removed by Stop, when dir is empty), and
// returns once the apiserver is ready, the default service account exists
// and the kwok node is Ready.
func Start(ctx context.Context, binDir, dir string) (c *Cluster, err error) {
	began := time.Now()
	c = &Cluster{Context: "devstack-test"}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "devstack-testcluster-"); err != nil {
			return nil, fmt.Errorf("creating the cluster directory: %w", err)
		}
		c.owned = true
	}
	c.dir = dir
	// The error returns below give a nil *Cluster: stop the one started
	// here, not the named result.
	started := c
	defer func() {
		if err != nil {
			_ = started.Stop()
		}
	}()
	p, err := newPKI(dir)
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	server := "https://127.0.0.1:" + strconv.Itoa(ports[2])

	if err := c.start(binDir, "etcd", "--name=default", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL, "--unsafe-no-fsync", "--log-level=warn"); err != nil {
		return nil, err
	}
	if err := c.start(binDir, "kube-apiserver", "--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1",
		// The endpoint reconciler refuses a loopback advertise address; pods
		// never dial it (kwok runs no containers), so a documentation address
		// (TEST-NET-1) does.
		"--advertise-address=192.0.2.1", "--secure-port="+strconv.Itoa(ports[2]),
		"--tls-cert-file="+p.ServerCert, "--tls-private-key-file="+p.ServerKey, "--client-ca-file="+p.CACert,
		"--service-account-key-file="+p.SAPub, "--service-account-signing-key-file="+p.SAKey,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.96.0.0/16", "--authorization-mode=RBAC",
		"--enable-priority-and-fairness=false",
		// There is no kube-proxy: reach webhooks and aggregated APIs through
		// their endpoints, not their (unrouted) ClusterIPs.
		"--enable-aggregator-routing=true", "--cert-dir="+filepath.Join(dir, "apiserver-certs")); err != nil {
		return nil, err
	}
	c.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := writeKubeconfig(c.Kubeconfig, c.Context, server, p); err != nil {
		return nil, err
	}
	if c.Config, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig); err != nil {
		return nil, fmt.Errorf("loading %s: %w", c.Kubeconfig, err)
	}
	c.Config.QPS, c.Config.Burst = 100, 200
	cs, err := kubernetes.NewForConfig(c.Config)
	if err != nil {
		return nil, err
	}
	if err := c.poll(ctx, 60*time.Second, "kube-apiserver /readyz", func(ctx context.Context) (bool, error) {
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok", nil
	}); err != nil {
		return nil, err
	}
	if err := c.start(binDir, "kube-controller-manager", "--kubeconfig="+c.Kubeconfig,
		"--secure-port=0", "--leader-elect=false", "--use-service-account-credentials=false",
		"--service-account-private-key-file="+p.SAKey, "--root-ca-file="+p.CACert); err != nil {
		return nil, err
	}
	if err := c.start(binDir, "kube-scheduler", "--kubeconfig="+c.Kubeconfig, "--secure-port=0", "--leader-elect=false"); err != nil {
		return nil, err
	}
	kwokConfig := filepath.Join(dir, "kwok.yaml")
	if err := os.WriteFile(kwokConfig, kwokStages, 0o600); err != nil {
		return nil, err
	}
	if err := c.start(binDir, "kwok", "--kubeconfig="+c.Kubeconfig, "--config="+kwokConfig,
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--manage-nodes-with-label-selector=", "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
		"--disregard-status-with-label-selector=", "--cidr=10.0.0.1/24", "--node-ip=10.0.0.1",
		"--server-address=127.0.0.1:0"); err != nil {
		return nil, err
	}
	if err := createNode(ctx, cs); err != nil {
		return nil, err
	}
	if err := c.poll(ctx, 60*time.Second, "the kwok node Ready and the default service account", func(ctx context.Context) (bool, error) {
		n, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil || !nodeReady(n) {
			return false, nil
		}
		_, err = cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		return nil, err
	}
	c.StartupTime = time.Since(began)
	return c, nil
}

// Dir is the directory holding the cluster's certificates, data and logs.
func (c *Cluster) Dir() string { return c.dir }

// Stop stops every process in reverse order of start and removes the
// cluster's directory when Start created it.
func (c *Cluster) Stop() error {
	var errs []error
	for i := len(c.procs) - 1; i >= 0; i-- {
		errs = append(errs, c.procs[i].stop(5*time.Second))
	}
	c.procs = nil
	if c.owned {
		errs = append(errs, os.RemoveAll(c.dir))
	}
	return errors.Join(errs...)
}

func (c *Cluster) start(binDir, name string, args ...string) error {
	p, err := startProcess(binDir, c.dir, name, args...)
	if err != nil {
		return err
	}
	c.procs = append(c.procs, p)
	return nil
}

// poll calls ready every 100ms until it returns true, a process dies, or
// timeout passes.
func (c *Cluster) poll(ctx context.Context, timeout time.Duration, what string, ready func(context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, p := range c.procs {
			if err := p.exited(); err != nil {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
		}
		ok, err := ready(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s (logs in %s): %w", what, c.dir, ctx.Err())
		case <-tick.C:
		}
	}
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
