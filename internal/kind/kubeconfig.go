package kind

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/devstack-dev/devstack/internal/paths"
)

// UserKubeconfig returns the file kubectl would write a new context to,
// the rule kind follows too: with KUBECONFIG set, the first of its files
// that exists, else its last; without it, ~/.kube/config.
func UserKubeconfig() (string, error) {
	var list []string
	for _, p := range filepath.SplitList(os.Getenv("KUBECONFIG")) {
		if p != "" {
			list = append(list, p)
		}
	}
	if len(list) == 0 {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("finding the kubeconfig: %w", err)
		}
		return filepath.Join(home, ".kube", "config"), nil
	}
	for _, p := range list {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return list[len(list)-1], nil
}

// exportKubeconfig merges the kind-<name> context into the user's
// kubeconfig, makes that file private (kind creates new files 0600 but
// leaves an existing file's mode alone, and the file now holds a client
// key), and writes devstack's own copy for the installer.
func (m *Manager) exportKubeconfig(p provider, name string) error {
	if err := p.ExportKubeConfig(name, m.kubeconfig, false); err != nil {
		return fmt.Errorf("exporting the kubeconfig of %q to %s: %w", name, m.kubeconfig, err)
	}
	if err := os.Chmod(m.kubeconfig, 0o600); err != nil {
		return fmt.Errorf("making %s private: %w", m.kubeconfig, err)
	}
	b, err := kubeconfigOf(p, name)
	if err != nil {
		return err
	}
	return paths.WritePrivate(m.store.kubeconfigPath(name), b)
}

// kubeconfigOf returns the cluster's kubeconfig for use from the host.
func kubeconfigOf(p provider, name string) ([]byte, error) {
	s, err := p.KubeConfig(name, false)
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig of %q: %w", name, err)
	}
	return []byte(s), nil
}

// Kubeconfig returns the cluster's kubeconfig (it holds a client key:
// never print it).
func (m *Manager) Kubeconfig(ctx context.Context, name string) ([]byte, error) {
	var b []byte
	err := runCtx(ctx, func() (err error) {
		b, err = kubeconfigOf(m.newProvider(newStepLogger(m.sink, name)), name)
		return err
	})
	return b, err
}

// RESTConfig returns a client configuration for the cluster.
func (m *Manager) RESTConfig(ctx context.Context, name string) (*rest.Config, error) {
	b, err := m.Kubeconfig(ctx, name)
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(b)
	if err != nil {
		return nil, fmt.Errorf("reading the kubeconfig of %q: %w", name, err)
	}
	return cfg, nil
}

// KubeconfigPath returns devstack's private kubeconfig copy for the
// cluster, written by Ensure, or an error when there is none yet.
func (m *Manager) KubeconfigPath(name string) (string, error) {
	p := m.store.kubeconfigPath(name)
	if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("no kubeconfig for cluster %q: run `devstack up`", name)
	} else if err != nil {
		return "", err
	}
	return p, nil
}

// waitReady polls until the API server is ready and every node is Ready,
// for a cluster whose containers were just started again.
func waitReady(ctx context.Context, kubeconfig func() ([]byte, error), timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if last = readyOnce(ctx, kubeconfig); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("the cluster was not ready within %s: %w", timeout, last)
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func readyOnce(ctx context.Context, kubeconfig func() ([]byte, error)) error {
	b, err := kubeconfig()
	if err != nil {
		return err
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig(b)
	if err != nil {
		return err
	}
	cfg.Timeout = 5 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		return fmt.Errorf("API server not ready: %w", err)
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, n := range nodes.Items {
		if !nodeReady(n) {
			return fmt.Errorf("node %s is not Ready yet", n.Name)
		}
	}
	return nil
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// hasContext reports whether the kubeconfig file has the context.
func hasContext(file, context string) bool {
	cfg, err := clientcmd.LoadFromFile(file)
	if err != nil {
		return false
	}
	_, ok := cfg.Contexts[context]
	return ok
}
