package kind

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/exec"
	kindlog "sigs.k8s.io/kind/pkg/log"
)

// fakeKind is kind's provider and the container engine at once, in memory:
// clusters are lists of containers, files written into nodes are kept.
type fakeKind struct {
	mu       sync.Mutex
	clusters map[string][]Container
	files    map[string]string // "<node>:<path>" -> content
	calls    []string
	logger   kindlog.Logger
	// createSpec is what Create builds (kind's options are opaque).
	createSpec Spec
	// gate, when set, holds Create until it is closed.
	gate      chan struct{}
	createErr error
	listErr   error
}

func newFakeKind() *fakeKind {
	return &fakeKind{clusters: map[string][]Container{}, files: map[string]string{}}
}

func (f *fakeKind) call(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeKind) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeKind) Create(name string, _ ...cluster.CreateOption) error {
	f.call("create %s", name)
	f.logger.V(0).Infof(" • %s  ...\n", "Preparing nodes 📦")
	if f.gate != nil {
		<-f.gate
	}
	if f.createErr != nil {
		f.logger.V(0).Infof(" ✗ %s\n", "Preparing nodes 📦")
		return f.createErr
	}
	f.logger.V(0).Infof(" ✓ %s\n", "Preparing nodes 📦")
	f.mu.Lock()
	f.clusters[name] = observed(f.createSpec, true).Nodes
	f.mu.Unlock()
	return nil
}

func (f *fakeKind) Delete(name, _ string) error {
	f.call("delete %s", name)
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clusters, name)
	return nil
}

func (f *fakeKind) ListNodes(name string) ([]nodes.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	var ns []nodes.Node
	for _, c := range f.clusters[name] {
		ns = append(ns, fakeNode{f: f, name: c.Name, role: c.Role})
	}
	return ns, nil
}

func (f *fakeKind) KubeConfig(name string, _ bool) (string, error) {
	return fmt.Sprintf(kubeconfigTemplate, name, name, name, name, name), nil
}

// ExportKubeConfig writes like kind: new files 0600, an existing file keeps
// its mode.
func (f *fakeKind) ExportKubeConfig(name, path string, _ bool) error {
	f.call("export %s", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(fmt.Sprintf(kubeconfigTemplate, name, name, name, name, name)), 0o600)
}

const kubeconfigTemplate = `apiVersion: v1
kind: Config
clusters:
- name: kind-%s
  cluster: {server: "https://127.0.0.1:41234"}
users:
- name: kind-%s
  user: {token: "x"}
contexts:
- name: kind-%s
  context: {cluster: kind-%s, user: kind-%s}
`

func (f *fakeKind) Inspect(_ context.Context, names ...string) ([]Container, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var cs []Container
	for _, n := range names {
		for _, nodes := range f.clusters {
			for _, c := range nodes {
				if c.Name == n {
					cs = append(cs, c)
				}
			}
		}
	}
	return cs, nil
}

func (f *fakeKind) setRunning(running bool, names ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for cl, nodes := range f.clusters {
		for i, c := range nodes {
			for _, n := range names {
				if c.Name == n {
					f.clusters[cl][i].Running = running
					if running {
						f.clusters[cl][i].StartedAt = time.Now()
					}
				}
			}
		}
	}
}

func (f *fakeKind) Start(_ context.Context, names ...string) error {
	f.call("start %s", strings.Join(names, " "))
	f.setRunning(true, names...)
	return nil
}

func (f *fakeKind) Stop(_ context.Context, names ...string) error {
	f.call("stop %s", strings.Join(names, " "))
	f.setRunning(false, names...)
	return nil
}

func (f *fakeKind) file(node, path string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.files[node+":"+path]
	return s, ok
}

type fakeNode struct {
	f          *fakeKind
	name, role string
}

func (n fakeNode) String() string              { return n.name }
func (n fakeNode) Role() (string, error)       { return n.role, nil }
func (n fakeNode) IP() (string, string, error) { return "", "", nil }
func (n fakeNode) SerialLogs(io.Writer) error  { return nil }
func (n fakeNode) Command(c string, a ...string) exec.Cmd {
	return &fakeCmd{node: n, args: append([]string{c}, a...)}
}
func (n fakeNode) CommandContext(_ context.Context, c string, a ...string) exec.Cmd {
	return n.Command(c, a...)
}

// fakeCmd understands the commands devstack and kind's nodeutils run in
// nodes: mkdir -p, cp /dev/stdin <dest>, rm -rf <path>.
type fakeCmd struct {
	node  fakeNode
	args  []string
	stdin io.Reader
}

func (c *fakeCmd) Run() error {
	f := c.node.f
	f.call("%s: %s", c.node.name, strings.Join(c.args, " "))
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case c.args[0] == "cp" && c.args[1] == "/dev/stdin":
		b, err := io.ReadAll(c.stdin)
		if err != nil {
			return err
		}
		f.files[c.node.name+":"+c.args[2]] = string(b)
	case c.args[0] == "rm":
		for k := range f.files {
			if strings.HasPrefix(k, c.node.name+":"+c.args[2]+"/") {
				delete(f.files, k)
			}
		}
	}
	return nil
}
func (c *fakeCmd) SetEnv(...string) exec.Cmd     { return c }
func (c *fakeCmd) SetStdin(r io.Reader) exec.Cmd { c.stdin = r; return c }
func (c *fakeCmd) SetStdout(io.Writer) exec.Cmd  { return c }
func (c *fakeCmd) SetStderr(io.Writer) exec.Cmd  { return c }

// newTestManager wires a Manager to f, a temporary state directory and
// kubeconfig, and a recorder.
func newTestManager(t *testing.T, f *fakeKind) (*Manager, *event.Recorder) {
	t.Helper()
	dir := t.TempDir()
	rec := &event.Recorder{}
	m := &Manager{
		engine:      f,
		engineName:  "Docker",
		newProvider: func(l kindlog.Logger) provider { f.mu.Lock(); f.logger = l; f.mu.Unlock(); return f },
		store:       store{dir: filepath.Join(dir, "state")},
		kubeconfig:  filepath.Join(dir, "home", ".kube", "config"),
		sink:        rec,
		waitReady: func(_ context.Context, kc func() ([]byte, error)) error {
			f.call("wait ready")
			_, err := kc()
			return err
		},
	}
	return m, rec
}
