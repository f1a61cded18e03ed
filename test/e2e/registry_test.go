package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The lane's registries (hack/e2e/upstream.sh): the upstream holding the
// e2e profile's images, and the names devstack gives its cache of it and
// its local registry (internal/registry).
const (
	envUpstream       = "DEVSTACK_E2E_UPSTREAM" // devstack-e2e-upstream:5000
	upstreamContainer = "devstack-e2e-upstream"
	localRegistry     = "devstack-registry"
	// localPort is the local registry's port in the test (the default,
	// 5001, may be a developer's own registry); own-image.yaml names it.
	localPort = 15001
	// upstreamPushAddr is where upstream.sh publishes the upstream.
	upstreamPushAddr = "127.0.0.1:15000"
)

// cacheContainer is devstack's cache of the upstream (registry.CacheName).
func cacheContainer(upstream string) string {
	return "devstack-cache-" + strings.ReplaceAll(upstream, ":", "-")
}

// docker runs the engine's client and returns its combined output.
func docker(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// removeRegistries deletes the test's cache and local registry with their
// volumes, so the first up starts from cold caches.
func removeRegistries(ctx context.Context, upstream string) {
	for _, n := range []string{cacheContainer(upstream), localRegistry} {
		_, _ = docker(ctx, "rm", "-f", n)
		_, _ = docker(ctx, "volume", "rm", n)
	}
}

// blobFetches are the blob GETs the upstream served since a moment: how
// many, their bytes, and the client addresses they came from (its access
// log, one "response completed" line per request).
type blobFetches struct {
	Count   int
	Bytes   int64
	Clients map[string]int
}

var (
	logURI     = regexp.MustCompile(`http\.request\.uri="?([^" ]+)`)
	logMethod  = regexp.MustCompile(`http\.request\.method=(\w+)`)
	logStatus  = regexp.MustCompile(`http\.response\.status=(\d+)`)
	logWritten = regexp.MustCompile(`http\.response\.written=(\d+)`)
	logRemote  = regexp.MustCompile(`http\.request\.remoteaddr="?([^" ]+)`)
)

func upstreamBlobFetches(ctx context.Context, t *testing.T, since time.Time) blobFetches {
	t.Helper()
	out, err := docker(ctx, "logs", "--since", since.UTC().Format(time.RFC3339Nano), upstreamContainer)
	if err != nil {
		t.Fatalf("reading the upstream's access log: %v", err)
	}
	f := blobFetches{Clients: map[string]int{}}
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "response completed") {
			continue
		}
		uri, method, status := logURI.FindStringSubmatch(line), logMethod.FindStringSubmatch(line), logStatus.FindStringSubmatch(line)
		if uri == nil || method == nil || status == nil || method[1] != "GET" || !strings.Contains(uri[1], "/blobs/") || status[1] != "200" {
			continue
		}
		f.Count++
		if w := logWritten.FindStringSubmatch(line); w != nil {
			n, _ := strconv.ParseInt(w[1], 10, 64)
			f.Bytes += n
		}
		if r := logRemote.FindStringSubmatch(line); r != nil {
			host := r[1]
			if i := strings.LastIndex(host, ":"); i > 0 {
				host = host[:i]
			}
			f.Clients[host]++
		}
	}
	return f
}

// containerIPs are a container's addresses on its networks.
func containerIPs(ctx context.Context, name string) map[string]bool {
	out, err := docker(ctx, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", name)
	ips := map[string]bool{}
	if err == nil {
		for _, ip := range strings.Fields(out) {
			ips[ip] = true
		}
	}
	return ips
}

// checkThroughCache says the first up pulled the profile's images from the
// upstream, and only through devstack's cache.
func checkThroughCache(ctx context.Context, t *testing.T, upstream string, f blobFetches) {
	t.Helper()
	fmt.Printf("UPSTREAM first up: %d blob fetches, %.1f MB, clients %v\n", f.Count, float64(f.Bytes)/1e6, f.Clients)
	if f.Count == 0 {
		t.Fatalf("the first up fetched no blob from the upstream %s: where did its images come from?", upstream)
	}
	cache := containerIPs(ctx, cacheContainer(upstream))
	for client, n := range f.Clients {
		if !cache[client] {
			t.Errorf("%d blob fetches from %s, which is not devstack's cache %s (%v): a node pulled around the cache", n, client, cacheContainer(upstream), cache)
		}
	}
}

// imagesCached runs `devstack images -o json` and returns the images it
// reports not cached.
func imagesCached(ctx context.Context, t *testing.T, c *cli) (all int, missing []string) {
	t.Helper()
	out, err := c.stdout(ctx, "images", "--profile", "e2e", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Ref    string `json:"ref"`
		Cached bool   `json:"cached"`
		Size   int64  `json:"size"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatalf("images -o json: %v\n%s", err, out)
	}
	for _, im := range list {
		if !im.Cached {
			missing = append(missing, im.Ref)
		}
	}
	return len(list), missing
}

// pushOwnImage puts the echo image into the local registry as the user's
// own image, with docker push to localhost:<port> as the README shows.
func pushOwnImage(ctx context.Context, t *testing.T, upstream string) string {
	t.Helper()
	own := fmt.Sprintf("localhost:%d/own-echo:1", localPort)
	src := upstreamPushAddr + "/echo:e2e"
	for _, args := range [][]string{{"pull", "-q", src}, {"tag", src, own}, {"push", "-q", own}} {
		if _, err := docker(ctx, args...); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = docker(ctx, "rmi", src, own)
	return own
}

// checkHosting reads the KEP-1755 ConfigMap.
func checkHosting(ctx context.Context, t *testing.T, clusterName string) {
	t.Helper()
	cs, err := clientset(clusterName)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := cs.CoreV1().ConfigMaps("kube-public").Get(ctx, "local-registry-hosting", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the local registry is not announced (KEP-1755): %v", err)
	}
	if v := cm.Data["localRegistryHosting.v1"]; !strings.Contains(v, fmt.Sprintf("host: localhost:%d", localPort)) {
		t.Errorf("local-registry-hosting says %q, want host localhost:%d", v, localPort)
	}
}

// ownImageFile is the user's file that deploys the pushed image.
func ownImageFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(repoRoot(t), "test", "e2e", "testdata", "own-image.yaml")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// dropFromCache removes one image's tag from the cache's storage (what a
// prune or a partial cache leaves), with a throw-away container of the
// node image (the registry image has no shell).
func dropFromCache(ctx context.Context, t *testing.T, upstream, nodeImage, repo, tag string) {
	t.Helper()
	vol := cacheContainer(upstream)
	if _, err := docker(ctx, "stop", vol); err != nil {
		t.Fatal(err)
	}
	dir := "/var/lib/registry/docker/registry/v2/repositories/" + repo + "/_manifests/tags/" + tag
	if _, err := docker(ctx, "run", "--rm", "-v", vol+":/var/lib/registry", "--entrypoint", "rm", nodeImage, "-rf", dir); err != nil {
		t.Fatal(err)
	}
	// left stopped on purpose: up restarts a dead cache
}

// registryProof runs after the main flow's reset, which must have kept the
// caches: a warm up takes no blob from the upstream; the user's own image
// pushed to the local registry is deployed and answers through the
// ingress; with the upstream stopped, up --offline works from the caches;
// with an image gone from the cache it fails before creating the cluster,
// naming the image. first is the first up's duration, for the ratio.
func registryProof(ctx context.Context, t *testing.T, c *cli, p *phases, up []string, r proofEnv) {
	t.Helper()
	for _, n := range []string{cacheContainer(r.upstream), localRegistry} {
		if out, err := docker(ctx, "inspect", "-f", "{{.State.Running}}", n); err != nil || out != "true" {
			t.Fatalf("reset did not keep %s running: %v %s", n, err, out)
		}
	}

	// Warm: reset then up takes no blob from the upstream.
	since := time.Now()
	start := time.Now()
	if _, err := c.run(ctx, up...); err != nil {
		t.Fatalf("up after reset (warm cache): %v", err)
	}
	warm := time.Since(start)
	p.add("up after reset (warm)", warm)
	fmt.Printf("WARM up-after-reset/first-up = %.3f (%.1fs / %.1fs)\n", warm.Seconds()/r.first.Seconds(), warm.Seconds(), r.first.Seconds())
	f := upstreamBlobFetches(ctx, t, since)
	fmt.Printf("UPSTREAM up after reset: %d blob fetches, %.1f MB\n", f.Count, float64(f.Bytes)/1e6)
	if f.Count != 0 {
		t.Errorf("the up after reset fetched %d blobs (%d bytes) from the upstream: the cache did not keep them", f.Count, f.Bytes)
	}
	checkEcho(ctx, t, statusJSON(ctx, t, c, "e2e"), r.stateDir, r.echoHost, r.port)

	// The user's own image through the local registry.
	start = time.Now()
	pushOwnImage(ctx, t, r.upstream)
	if _, err := c.run(ctx, append(append([]string(nil), up...), "-f", ownImageFile(t))...); err != nil {
		t.Fatalf("up with the user's own image: %v", err)
	}
	checkHosting(ctx, t, r.cluster)
	checkOwn(ctx, t, r)
	p.add("own image via localhost", time.Since(start))

	// Offline, upstream stopped: works from the caches alone.
	if _, err := c.run(ctx, "reset", "--yes"); err != nil {
		t.Fatalf("reset: %v", err)
	}
	if _, err := docker(ctx, "stop", upstreamContainer); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, err := c.run(ctx, append(append([]string(nil), up...), "--offline")...); err != nil {
		t.Fatalf("up --offline with the upstream stopped: %v", err)
	}
	p.add("up --offline", time.Since(start))
	checkEcho(ctx, t, statusJSON(ctx, t, c, "e2e"), r.stateDir, r.echoHost, r.port)

	// Offline with an image gone from the cache: refused before the cluster.
	if _, err := c.run(ctx, "reset", "--yes"); err != nil {
		t.Fatalf("reset: %v", err)
	}
	dropFromCache(ctx, t, r.upstream, r.nodeImage, "echo", "e2e")
	out, err := c.run(ctx, append(append([]string(nil), up...), "--offline")...)
	if err == nil {
		t.Fatalf("up --offline succeeded without echo:e2e in the cache:\n%s", out)
	}
	if want := r.upstream + "/echo:e2e"; !strings.Contains(out, want) {
		t.Errorf("up --offline failed without naming %s:\n%s", want, out)
	}
	if want := "cache " + r.upstream + " (restarted)"; !strings.Contains(out, want) {
		t.Errorf("up did not restart the stopped cache (no %q):\n%s", want, out)
	}
	if names, _ := kindContainers(ctx, r.cluster); len(names) > 0 {
		t.Errorf("up --offline created cluster containers before refusing: %v", names)
	}
	t.Logf("up --offline refused, naming the missing image, and created no cluster")

	// Before a flight: `images pull`, without a cluster, puts it back.
	if _, err := docker(ctx, "start", upstreamContainer); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if out, err := c.run(ctx, "images", "pull", "--profile", "e2e"); err != nil {
		t.Fatalf("images pull: %v\n%s", err, out)
	}
	p.add("images pull (no cluster)", time.Since(start))
	if n, missing := imagesCached(ctx, t, c); n == 0 || len(missing) > 0 {
		t.Errorf("after images pull, %d images, not cached: %v", n, missing)
	}
	if names, _ := kindContainers(ctx, r.cluster); len(names) > 0 {
		t.Errorf("images pull created cluster containers: %v", names)
	}
}

// checkRegistriesRemoved: after reset --all neither the caches nor the
// local registry, nor their volumes, are left.
func checkRegistriesRemoved(ctx context.Context, t *testing.T, upstream string) {
	t.Helper()
	for _, n := range []string{cacheContainer(upstream), localRegistry} {
		if _, err := docker(ctx, "inspect", n); err == nil {
			t.Errorf("reset --all left %s", n)
		}
		if _, err := docker(ctx, "volume", "inspect", n); err == nil {
			t.Errorf("reset --all left the volume %s", n)
		}
	}
}

// proofEnv is what registryProof needs of the main test.
type proofEnv struct {
	upstream, cluster, stateDir, echoHost, nodeImage string
	port                                             int
	first                                            time.Duration
}

// checkOwn gets an answer from the user's own component through the ingress.
func checkOwn(ctx context.Context, t *testing.T, r proofEnv) {
	t.Helper()
	host := "own." + strings.TrimPrefix(r.echoHost, "echo.")
	rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var reply echoReply
	err := eventually(rctx, 2*time.Second, func() error {
		var err error
		reply, err = getEcho(rctx, []byte{127, 0, 0, 1}, r.port, host, "/own")
		return err
	})
	if err != nil {
		t.Fatalf("the user's own image through the ingress: %v", err)
	}
	if reply.Host != host || reply.Pod == "" {
		t.Fatalf("unexpected reply from the own component: %+v", reply)
	}
	t.Logf("own image localhost:%d/own-echo:1, pod %s, answered for http://%s:%d/own", localPort, reply.Pod, host, r.port)
}

// execOut runs a command and returns its combined output.
func execOut(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}
