package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/ca"
	devdns "github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/stack"
)

// EnvImage names the node image hack/e2e/node-image.sh built.
const EnvImage = "DEVSTACK_E2E_IMAGE"

// phases records how long each phase took and prints them together at the
// end, so CI logs show every phase's cost in one place.
type phases struct {
	t     *testing.T
	names []string
	took  map[string]time.Duration
}

func (p *phases) add(name string, d time.Duration) {
	if p.took == nil {
		p.took = map[string]time.Duration{}
	}
	p.names = append(p.names, name)
	p.took[name] = d
	p.t.Logf("PHASE %-22s %8.1fs", name, d.Seconds())
}

func (p *phases) summary() {
	var b strings.Builder
	for _, n := range p.names {
		fmt.Fprintf(&b, "PHASE %-22s %8.1fs\n", n, p.took[n].Seconds())
	}
	p.t.Logf("phase durations:\n%s", b.String())
}

// e2eProfile reads the test profile, the one source of the cluster name,
// domain and ingress port the test checks against.
func e2eProfile(t *testing.T) (dir string, doc stack.Document) {
	t.Helper()
	dir = filepath.Join(repoRoot(t), "test", "e2e", "testdata", "profiles")
	b, err := os.ReadFile(filepath.Join(dir, "e2e.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("e2e.yaml: %v", err)
	}
	if doc.Cluster == nil || doc.Cluster.Name == "" || doc.Cluster.HTTPPort == 0 || doc.Domain == "" {
		t.Fatal("e2e.yaml must name the cluster, its httpPort and the domain")
	}
	return dir, doc
}

func TestIntegrationEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: needs Docker and a built node image")
	}
	image := os.Getenv(EnvImage)
	if image == "" {
		t.Skipf("%s is not set: run hack/e2e/run.sh, which prepares the machine and builds the node image", EnvImage)
	}
	upstream := os.Getenv(envUpstream)
	if upstream == "" {
		t.Fatalf("%s is not set: run hack/e2e/run.sh, which starts the upstream registry holding the profile's images", envUpstream)
	}
	profileDir, profile := e2eProfile(t)
	name, domain, port, httpsPort := profile.Cluster.Name, profile.Domain, profile.Cluster.HTTPPort, profile.Cluster.HTTPSPort
	echoHost := "echo." + domain

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Minute)
	defer cancel()
	work := t.TempDir()
	stateDir := filepath.Join(work, "state")
	caDir := filepath.Join(work, "ca")
	c := &cli{
		t:      t,
		bin:    buildDevstack(t, work),
		logDir: work,
		env: append(os.Environ(),
			"DEVSTACK_STATE_DIR="+stateDir,
			"DEVSTACK_CACHE_DIR="+filepath.Join(work, "cache"),
			ca.EnvDir+"="+caDir,
			stack.EnvProfilePath+"="+profileDir,
			"KUBECONFIG="+filepath.Join(work, "kubeconfig"),
			"NO_COLOR=1",
			// the lane's upstream speaks plain HTTP; the local registry
			// stays off a developer's own port 5001
			"DEVSTACK_REGISTRY_INSECURE="+upstream,
			fmt.Sprintf("DEVSTACK_REGISTRY_PORT=%d", localPort),
		),
	}
	p := &phases{t: t}
	defer p.summary()
	// Whatever happens, leave no cluster behind.
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer ccancel()
		if names, _ := kindContainers(cctx, name); len(names) > 0 {
			_, _ = c.run(cctx, "reset", "--yes")
			_ = cluster.NewProvider().Delete(name, "")
		}
		_, _ = docker(cctx, "start", upstreamContainer)
		removeRegistries(cctx, upstream)
	})
	// Nor a root of this run in the machine's trust store.
	t.Cleanup(func() {
		if _, err := os.Stat(caDir); err == nil {
			cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
			defer ccancel()
			_, _ = c.run(cctx, "trust", "uninstall")
		}
	})
	// Cold caches, so that the first up pulls through them.
	removeRegistries(ctx, upstream)
	if names, err := kindContainers(ctx, name); err != nil {
		t.Fatal(err)
	} else if len(names) > 0 {
		t.Fatalf("a cluster %s already exists (%v): delete it first", name, names)
	}

	// The resolver gets a free port of its own: another devstack on this
	// machine may hold the default one.
	dnsAddr := freeLoopbackPort(t)
	up := []string{"up", "--profile", "e2e", "--node-image", image, "--no-tui", "--dns-addr", dnsAddr}

	// First run: cluster creation, then the installs. The cluster counts as
	// created when its node is Ready (observed from outside while up runs).
	start := time.Now()
	clusterReady := make(chan time.Duration, 1)
	watchCtx, stopWatch := context.WithCancel(ctx)
	go func() {
		_ = eventually(watchCtx, time.Second, func() error {
			if nodeReady(watchCtx, name) {
				clusterReady <- time.Since(start)
				return nil
			}
			return fmt.Errorf("not ready")
		})
	}()
	_, err := c.run(ctx, up...)
	stopWatch()
	first := time.Since(start)
	fetched := upstreamBlobFetches(ctx, t, start)
	if err != nil {
		t.Fatalf("first up: %v", err)
	}
	select {
	case d := <-clusterReady:
		p.add("cluster creation", d)
		p.add("installs", first-d)
	default:
		p.add("cluster creation+installs", first)
	}

	checkThroughCache(ctx, t, upstream, fetched)
	if n, missing := imagesCached(ctx, t, c); n == 0 || len(missing) > 0 {
		t.Errorf("devstack images: %d images, not cached after the first up: %v", n, missing)
	}

	// The echo pod answers through devstack's resolver and the ingress.
	status := statusJSON(ctx, t, c, "e2e")
	checkEcho(ctx, t, status, stateDir, echoHost, port)
	// ... and, by the same name, to a pod: through the cluster's CoreDNS,
	// which up pointed *.<domain> at the ingress Service.
	start = time.Now()
	checkClusterDNS(ctx, t, name, echoNamespace(t, profile), echoHost)
	p.add("in-cluster DNS+HTTP", time.Since(start))
	start = time.Now()
	checkHTTPS(ctx, t, status, stateDir, caDir, echoHost, httpsPort)
	checkSystemTrust(ctx, t, c, status, stateDir, echoHost, httpsPort)
	checkPodTrust(ctx, t, name, echoNamespace(t, profile), echoHost)
	p.add("HTTPS+trust", time.Since(start))
	if bad, n := notReady(status); n == 0 {
		t.Errorf("status -o json lists no components:\n%s", mustJSON(status))
	} else if len(bad) > 0 {
		t.Errorf("status -o json reports components not ready: %v", bad)
	}
	if ready, ok := status["ready"].(bool); ok && !ready {
		t.Errorf("status -o json: ready is false:\n%s", mustJSON(status))
	}
	revs, err := releaseRevisions(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if len(revs) != len(profile.Components) {
		t.Errorf("Helm releases after the first up: %v, want one per component (%d)", revs, len(profile.Components))
	}

	// Second run: nothing changed, so nothing may be reinstalled.
	start = time.Now()
	if _, err := c.run(ctx, up...); err != nil {
		t.Fatalf("second up: %v", err)
	}
	second := time.Since(start)
	p.add("convergence (2nd up)", second)
	t.Logf("second up took %.1fs, %.1f%% of the first (%.1fs)", second.Seconds(), 100*second.Seconds()/first.Seconds(), first.Seconds())
	fmt.Printf("CONVERGENCE second/first = %.3f (%.1fs / %.1fs)\n", second.Seconds()/first.Seconds(), second.Seconds(), first.Seconds())
	revs2, err := releaseRevisions(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	for rel, n := range revs2 {
		if n != revs[rel] {
			t.Errorf("release %s went from %d to %d revisions: the second up reinstalled it", rel, revs[rel], n)
		}
	}

	// down, then up brings everything back.
	start = time.Now()
	// down names the cluster: the profile's is not the default one.
	if _, err := c.run(ctx, "down", "--name", name); err != nil {
		t.Fatalf("down: %v", err)
	}
	p.add("down", time.Since(start))
	if names, _ := kindContainers(ctx, name); !allStopped(names) {
		t.Errorf("after down the node containers still run: %v", names)
	}
	start = time.Now()
	if _, err := c.run(ctx, up...); err != nil {
		t.Fatalf("up after down: %v", err)
	}
	p.add("up after down", time.Since(start))
	// Right after up returns, the service answers: no retry (issue 11.1:
	// stale Ready conditions from before the stop no longer count).
	checkEchoNow(ctx, t, statusJSON(ctx, t, c, "e2e"), stateDir, echoHost, port)

	// reset leaves nothing behind.
	pid := devdns.ReadStatus(stateDir).PID
	start = time.Now()
	resetOut, err := c.run(ctx, "reset", "--yes")
	if err != nil {
		t.Fatalf("reset: %v", err)
	}
	p.add("reset", time.Since(start))
	checkReset(ctx, t, name, domain, stateDir, pid)

	registryProof(ctx, t, c, p, up, proofEnv{upstream: upstream, cluster: name, stateDir: stateDir,
		echoHost: echoHost, nodeImage: image, port: port, first: first})
	// reset --all removes the CA, its trust and the registries.
	start = time.Now()
	checkResetAll(ctx, t, c, caDir, resetOut)
	p.add("reset --all", time.Since(start))
	checkRegistriesRemoved(ctx, t, upstream)

	prepullBenchmark(ctx, t, c, p, up, upstream)
}

// echoNamespace is the echo component's namespace, where the in-cluster
// client runs (it exists once up succeeded).
func echoNamespace(t *testing.T, profile stack.Document) string {
	t.Helper()
	for _, c := range profile.Components {
		if c.Name == "echo" && c.Namespace != "" {
			return c.Namespace
		}
	}
	t.Fatal("e2e.yaml has no echo component with a namespace")
	return ""
}

func statusJSON(ctx context.Context, t *testing.T, c *cli, profile string) map[string]any {
	t.Helper()
	out, err := c.stdout(ctx, "status", "--profile", profile, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var status map[string]any
	if err := json.Unmarshal(out, &status); err != nil {
		t.Fatalf("status -o json is not a JSON object: %v\n%s", err, out)
	}
	return status
}

// checkEcho resolves the echo host through devstack's resolver and gets an
// answer from the echo pod through the ingress on the mapped port. The
// ingress may need a few seconds to pick the route up.
func checkEcho(ctx context.Context, t *testing.T, status map[string]any, stateDir, host string, port int) {
	t.Helper()
	server := resolverAddr(status, stateDir)
	ip, err := resolve(ctx, server, host)
	if err != nil {
		t.Fatalf("resolving %s: %v", host, err)
	}
	t.Logf("%s resolves to %s through %s", host, ip, server)
	rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var reply echoReply
	err = eventually(rctx, 2*time.Second, func() error {
		var err error
		reply, err = getEcho(rctx, ip, port, host, "/e2e")
		return err
	})
	if err != nil {
		t.Fatalf("echo through the ingress: %v", err)
	}
	if reply.Service != "echo" || reply.Host != host || reply.Path != "/e2e" || reply.Pod == "" {
		t.Fatalf("unexpected echo reply %+v", reply)
	}
	t.Logf("echo pod %s answered for http://%s:%d/e2e", reply.Pod, host, port)
}

// checkEchoNow is checkEcho with one attempt: when up says ready, the
// echo service answers through the ingress at once.
func checkEchoNow(ctx context.Context, t *testing.T, status map[string]any, stateDir, host string, port int) {
	t.Helper()
	ip, err := resolve(ctx, resolverAddr(status, stateDir), host)
	if err != nil {
		t.Fatalf("resolving %s: %v", host, err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	reply, err := getEcho(rctx, ip, port, host, "/e2e")
	if err != nil {
		t.Fatalf("right after up, echo through the ingress did not answer on the first request: %v", err)
	}
	if reply.Service != "echo" || reply.Pod == "" {
		t.Fatalf("unexpected echo reply %+v", reply)
	}
	t.Logf("right after up, echo pod %s answered the first request", reply.Pod)
}

func checkReset(ctx context.Context, t *testing.T, name, domain, stateDir string, resolverPID int) {
	t.Helper()
	clusters, err := cluster.NewProvider().List()
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range clusters {
		if cl == name {
			t.Errorf("cluster %s still exists after reset", name)
		}
	}
	if names, err := kindContainers(ctx, name); err != nil || len(names) > 0 {
		t.Errorf("containers left after reset: %v %v", names, err)
	}
	if st := devdns.ReadStatus(stateDir); st.Running {
		t.Errorf("resolver still running after reset: %+v", st)
	}
	if !processGone(ctx, resolverPID) {
		t.Errorf("resolver process %d still alive after reset", resolverPID)
	}
	if left := osDNSLeftovers(domain); len(left) > 0 {
		t.Errorf("OS DNS configuration left after reset: %v", left)
	}
	if entries, err := os.ReadDir(stateDir); err == nil && len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("state left after reset in %s: %v", stateDir, names)
	}
}

// allStopped reads kindContainers' "name state" pairs.
func allStopped(fields []string) bool {
	for i := 1; i < len(fields); i += 2 {
		if fields[i] == "running" {
			return false
		}
	}
	return true
}

func mustJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// freeLoopbackPort returns a loopback address whose UDP and TCP ports were
// both free a moment ago.
func freeLoopbackPort(t *testing.T) string {
	t.Helper()
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := pc.LocalAddr().String()
		l, err := net.Listen("tcp", addr)
		pc.Close()
		if err == nil {
			l.Close()
			return addr
		}
	}
	t.Fatal("no free loopback port for the resolver")
	return ""
}
