package flux_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/export/flux"
	"github.com/devstack-dev/devstack/internal/testcluster"
)

// Test helpers only: code importing helm.sh/helm/v3 belongs in
// internal/helm, and this builds a Helm repository for the controllers.

// helmRepo packages the project's test charts and serves them with an
// index.yaml built by the Helm SDK, on loopback.
func helmRepo(t *testing.T, charts ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range charts {
		c, err := loader.Load(filepath.Join("..", "..", "helm", "testdata", "charts", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chartutil.Save(c, dir); err != nil {
			t.Fatal(err)
		}
	}
	idx, err := repo.IndexDirectory(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	idx.SortEntries()
	if err := idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// gitServer is a Git repository served over smart HTTP (git http-backend
// behind net/http/cgi) on loopback, for source-controller to clone.
type gitServer struct {
	work, bare string
	URL        string
}

func newGitServer(t *testing.T) *gitServer {
	t.Helper()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Fatalf("the Git HTTP server needs git: %v", err)
	}
	root := t.TempDir()
	g := &gitServer{work: filepath.Join(root, "work"), bare: filepath.Join(root, "fleet.git")}
	g.git(t, root, "init", "-q", "--bare", "-b", "main", g.bare)
	g.git(t, root, "init", "-q", "-b", "main", g.work)
	h := &cgi.Handler{Path: gitBin, Args: []string{"http-backend"}, Root: "/git",
		Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1"}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/git/fleet.git"
	return g
}

func (g *gitServer) git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=devstack test", "-c", "user.email=test@devstack.invalid"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// publish writes the tree into the work tree, commits and pushes it.
func (g *gitServer) publish(t *testing.T, tree flux.Tree, msg string) {
	t.Helper()
	if err := tree.Write(g.work); err != nil {
		t.Fatal(err)
	}
	g.git(t, g.work, "add", "-A")
	g.git(t, g.work, "commit", "-q", "--allow-empty", "-m", msg)
	g.git(t, g.work, "push", "-q", g.bare, "main")
}

// fluxControllers runs source-, kustomize- and helm-controller out of
// cluster against the control plane, with their logs in the test's
// directory.
func fluxControllers(t *testing.T, c *testcluster.Cluster, bin string) {
	t.Helper()
	ports := make([]int, 7)
	for i := range ports {
		ports[i] = freePort(t)
	}
	storage := fmt.Sprintf("127.0.0.1:%d", ports[0])
	env := append(os.Environ(), "KUBECONFIG="+c.Kubeconfig, "RUNTIME_NAMESPACE="+flux.FluxNamespace, "SOURCE_CONTROLLER_LOCALHOST="+storage)
	common := func(i int) []string {
		return []string{"--enable-leader-election=false", "--log-level=info", "--requeue-dependency=2s",
			fmt.Sprintf("--metrics-addr=127.0.0.1:%d", ports[i]), fmt.Sprintf("--health-addr=127.0.0.1:%d", ports[i+1])}
	}
	run := func(name string, args ...string) {
		logf, err := os.Create(filepath.Join(c.Dir(), name+".log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting %s: %v", name, err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
			logf.Close()
			if t.Failed() {
				b, _ := os.ReadFile(logf.Name())
				t.Logf("%s log (tail):\n%s", name, tailLines(string(b), 30))
			}
		})
	}
	storagePath := filepath.Join(c.Dir(), "flux-storage")
	if err := os.MkdirAll(storagePath, 0o700); err != nil {
		t.Fatal(err)
	}
	run("source-controller", append(common(1), "--storage-path="+storagePath,
		"--storage-addr="+storage, "--storage-adv-addr="+storage)...)
	run("kustomize-controller", common(3)...)
	run("helm-controller", common(5)...)
}

// fluxBinaries runs hack/build-flux.sh (instant when the controllers are
// built; hack/test.sh builds them before the tests) and returns their
// directory.
func fluxBinaries(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir, _ := os.Getwd()
	for ; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "hack", "build-flux.sh")); err == nil {
			break
		}
		if dir == filepath.Dir(dir) {
			t.Fatal("hack/build-flux.sh not found above the working directory")
		}
	}
	script := filepath.Join(dir, "hack", "build-flux.sh")
	var out, log bytes.Buffer
	cmd := exec.CommandContext(ctx, "bash", script, "--print-dir")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	build := exec.CommandContext(ctx, "bash", script)
	build.Stdout, build.Stderr = &log, &log
	if err := build.Run(); err != nil {
		t.Fatalf("building the Flux controllers (bash hack/build-flux.sh): %v\n%s", err, tailLines(log.String(), 30))
	}
	return strings.TrimSpace(out.String())
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var (
	crdGVR           = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	kustomizationGVR = schema.GroupVersionResource{Group: "kustomize.toolkit.fluxcd.io", Version: "v1", Resource: "kustomizations"}
	helmReleaseGVR   = schema.GroupVersionResource{Group: "helm.toolkit.fluxcd.io", Version: "v2", Resource: "helmreleases"}
	gitRepoGVR       = schema.GroupVersionResource{Group: "source.toolkit.fluxcd.io", Version: "v1", Resource: "gitrepositories"}
	namespaceGVR     = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	configMapGVR     = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
)

// applyFluxCRDs creates the controllers' CRDs (copied from their modules
// by hack/build-flux.sh) and waits until they are served.
func applyFluxCRDs(t *testing.T, ctx context.Context, dyn dynamic.Interface, bin string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(bin, "crds", "flux", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Flux CRDs in %s/crds/flux (hack/build-flux.sh copies them): %v", bin, err)
	}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(b, &u.Object); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := dyn.Resource(crdGVR).Create(ctx, u, createOpts); err != nil {
			t.Fatalf("creating %s: %v", u.GetName(), err)
		}
		names = append(names, u.GetName())
	}
	for _, n := range names {
		waitFor(t, ctx, "CRD "+n+" established", func() (bool, string) {
			u, err := dyn.Resource(crdGVR).Get(ctx, n, getOpts)
			if err != nil {
				return false, err.Error()
			}
			return conditionTrue(u, "Established"), ""
		})
	}
}

// conditionTrue reports whether the object's condition typ is True.
func conditionTrue(u *unstructured.Unstructured, typ string) bool {
	_, ok := conditionTime(u, typ)
	return ok
}

// conditionTime returns when the object's condition typ became True.
func conditionTime(u *unstructured.Unstructured, typ string) (time.Time, bool) {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ && m["status"] == "True" {
			ts, _ := time.Parse(time.RFC3339, fmt.Sprint(m["lastTransitionTime"]))
			return ts, true
		}
	}
	return time.Time{}, false
}

func conditionMessage(u *unstructured.Unstructured, typ string) string {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == typ {
			return fmt.Sprintf("%v: %v", m["reason"], m["message"])
		}
	}
	return "no " + typ + " condition"
}

// waitFor polls ready until it holds or ctx ends; the last reason is in
// the failure.
func waitFor(t *testing.T, ctx context.Context, what string, ready func() (bool, string)) {
	t.Helper()
	last := ""
	for {
		ok, why := ready()
		if ok {
			return
		}
		last = why
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s: %s", what, last)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
