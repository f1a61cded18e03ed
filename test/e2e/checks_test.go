package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/kind/pkg/cluster"

	devdns "github.com/devstack-dev/devstack/internal/dns"
)

// resolverAddr finds devstack's resolver: what `status -o json` reports
// when it names an address, else the resolver's own status file.
func resolverAddr(status map[string]any, stateDir string) string {
	if addr := findString(status, "dns", "addr"); addr != "" {
		return addr
	}
	if st := devdns.ReadStatus(stateDir); st.Addr != "" {
		return st.Addr
	}
	return devdns.DefaultAddr
}

// findString walks nested objects along keys ("dns", "addr").
func findString(v any, keys ...string) string {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// resolve asks devstack's resolver for name's A record, over UDP as the OS
// stub resolver would.
func resolve(ctx context.Context, server, name string) (net.IP, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	c := &dns.Client{Timeout: 2 * time.Second}
	r, _, err := c.ExchangeContext(ctx, m, server)
	if err != nil {
		return nil, fmt.Errorf("querying %s for %s: %w", server, name, err)
	}
	if r.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("%s answered %s for %s", server, dns.RcodeToString[r.Rcode], name)
	}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A, nil
		}
	}
	return nil, fmt.Errorf("%s returned no A record for %s", server, name)
}

// echoReply is what the echo service answers (test/e2e/images/echo).
type echoReply struct {
	Service string `json:"service"`
	Host    string `json:"host"`
	Path    string `json:"path"`
	Pod     string `json:"pod"`
}

// getEcho sends one request to host through the ingress at ip:port and
// decodes the echo service's answer.
func getEcho(ctx context.Context, ip net.IP, port int, host, path string) (echoReply, error) {
	var reply echoReply
	url := fmt.Sprintf("http://%s%s", net.JoinHostPort(ip.String(), fmt.Sprint(port)), path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return reply, err
	}
	req.Host = host
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return reply, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return reply, fmt.Errorf("GET %s (Host %s): %s: %s", url, host, resp.Status, body)
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return reply, fmt.Errorf("GET %s (Host %s): not the echo service: %s", url, host, body)
	}
	return reply, nil
}

// eventually retries f until it succeeds or ctx ends, returning the last
// error.
func eventually(ctx context.Context, every time.Duration, f func() error) error {
	for {
		err := f()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(every):
		}
	}
}

// notReady lists the components `status -o json` does not report ready.
// It accepts the shapes a status document may take: a "components" list or
// map whose entries carry a "ready" boolean or a "state"/"status" string.
func notReady(status map[string]any) ([]string, int) {
	var bad []string
	n := 0
	check := func(name string, c map[string]any) {
		n++
		if r, ok := c["ready"].(bool); ok {
			if !r {
				bad = append(bad, name)
			}
			return
		}
		for _, k := range []string{"state", "status", "phase"} {
			if s, ok := c[k].(string); ok {
				switch strings.ToLower(s) {
				case "ready", "healthy", "deployed", "installed", "succeeded", "running":
				default:
					bad = append(bad, name+"="+s)
				}
				return
			}
		}
		bad = append(bad, name+" (no readiness field)")
	}
	switch cs := status["components"].(type) {
	case []any:
		for _, e := range cs {
			if c, ok := e.(map[string]any); ok {
				name, _ := c["name"].(string)
				check(name, c)
			}
		}
	case map[string]any:
		for name, e := range cs {
			if c, ok := e.(map[string]any); ok {
				check(name, c)
			}
		}
	}
	return bad, n
}

// releaseRevisions maps every Helm release in the cluster to the number of
// revisions Helm stored (one Secret per revision, labelled owner=helm).
func releaseRevisions(ctx context.Context, clusterName string) (map[string]int, error) {
	cs, err := clientset(clusterName)
	if err != nil {
		return nil, err
	}
	secrets, err := cs.CoreV1().Secrets("").List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		return nil, fmt.Errorf("listing Helm release secrets: %w", err)
	}
	revs := map[string]int{}
	for _, s := range secrets.Items {
		revs[s.Namespace+"/"+s.Labels["name"]]++
	}
	return revs, nil
}

// clientset talks to the kind cluster with the kubeconfig kind itself
// reports (independent of where devstack wrote its copy).
func clientset(clusterName string) (*kubernetes.Clientset, error) {
	raw, err := cluster.NewProvider().KubeConfig(clusterName, false)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of %s: %w", clusterName, err)
	}
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(raw))
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 10 * time.Second
	return kubernetes.NewForConfig(cfg)
}

// nodeReady reports whether the cluster's API answers and a node is Ready.
func nodeReady(ctx context.Context, clusterName string) bool {
	cs, err := clientset(clusterName)
	if err != nil {
		return false
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return false
	}
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				return true
			}
		}
	}
	return false
}

// kindContainers lists the containers (running or not) of a kind cluster.
func kindContainers(ctx context.Context, clusterName string) ([]string, error) {
	out, err := exec.CommandContext(ctx, "docker", "ps", "-a", "--format", "{{.Names}} {{.State}}",
		"--filter", "label=io.x-k8s.kind.cluster="+clusterName).Output()
	if err != nil {
		return nil, fmt.Errorf("docker ps: %w", err)
	}
	return strings.Fields(strings.TrimSpace(string(out))), nil
}

// osDNSLeftovers lists OS DNS configuration that still names the domain:
// the files devstack's OS integration may write (hosts entries, a macOS
// resolver file, systemd-resolved and NetworkManager drop-ins).
func osDNSLeftovers(domain string) []string {
	var found []string
	if b, err := os.ReadFile("/etc/hosts"); err == nil && strings.Contains(string(b), "."+domain) {
		found = append(found, "/etc/hosts mentions ."+domain)
	}
	if _, err := os.Stat(filepath.Join("/etc/resolver", domain)); err == nil {
		found = append(found, "/etc/resolver/"+domain)
	}
	for _, dir := range []string{"/etc/systemd/resolved.conf.d", "/etc/NetworkManager/dnsmasq.d", "/etc/NetworkManager/conf.d"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			p := filepath.Join(dir, e.Name())
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), domain) {
				found = append(found, p)
			}
		}
	}
	return found
}

// processAlive reports whether pid names a live process. An exited one
// waiting for its parent (init, for the detached resolver) to reap it is a
// zombie: it holds no socket and runs no code, so it counts as gone.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// the state follows the parenthesised command name
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 && i+2 < len(rest) {
		switch rest[i+2] {
		case 'Z', 'X':
			return false
		}
	}
	return true
}

// processGone waits a little for pid to exit: a process signalled to stop
// releases its lock (what reset waits for) slightly before it is gone.
func processGone(ctx context.Context, pid int) bool {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return eventually(wctx, 100*time.Millisecond, func() error {
		if processAlive(pid) {
			return fmt.Errorf("process %d alive", pid)
		}
		return nil
	}) == nil
}

// echoImage is the echo service's image, which hack/e2e/upstream.sh builds
// from test/e2e/images/echo and pushes to the lane's upstream registry (the
// node pulls it through devstack's cache); its -get mode is the in-cluster
// client.
const echoImage = "devstack-e2e-upstream:5000/echo:e2e"

// checkClusterDNS runs the echo image's client as a Job in namespace ns: a
// pod that resolves host through its own resolv.conf (the cluster's CoreDNS,
// which devstack pointed *.<domain> at the ingress Service) and gets an
// answer from the echo service through the ingress by that name. On failure
// it prints the pod's log and the CoreDNS Corefile.
func checkClusterDNS(ctx context.Context, t *testing.T, clusterName, ns, host string) {
	t.Helper()
	checkInClusterGet(ctx, t, clusterName, ns, "http://"+host+"/in-cluster")
}

// checkInClusterGet runs the echo image as a client in a Job that GETs url
// until the echo service answers; with changes the pod spec (volumes,
// environment) before the Job is created.
func checkInClusterGet(ctx context.Context, t *testing.T, clusterName, ns, url string, with ...func(*corev1.PodSpec)) {
	t.Helper()
	cs, err := clientset(clusterName)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(url, "://")
	host, _, _ := strings.Cut(rest, "/")
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "e2e-cluster-dns-", Namespace: ns},
		Spec: batchv1.JobSpec{
			BackoffLimit:          ref[int32](0),
			ActiveDeadlineSeconds: ref[int64](150),
			Template: corev1.PodTemplateSpec{
				Spec: corev1.PodSpec{
					RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{
						Name:            "client",
						Image:           echoImage,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            []string{"-get", url, "-timeout", "120s"},
						SecurityContext: &corev1.SecurityContext{
							RunAsNonRoot:             ref(true),
							RunAsUser:                ref[int64](65534),
							AllowPrivilegeEscalation: ref(false),
						},
					}},
				},
			},
		},
	}
	for _, w := range with {
		w(&job.Spec.Template.Spec)
	}
	job, err = cs.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating the cluster DNS check job: %v", err)
	}
	defer func() {
		bg := metav1.DeletePropagationBackground
		_ = cs.BatchV1().Jobs(ns).Delete(context.WithoutCancel(ctx), job.Name, metav1.DeleteOptions{PropagationPolicy: &bg})
	}()

	wctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var failed string
	err = eventually(wctx, time.Second, func() error {
		j, err := cs.BatchV1().Jobs(ns).Get(wctx, job.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range j.Status.Conditions {
			if c.Status != corev1.ConditionTrue {
				continue
			}
			switch c.Type {
			case batchv1.JobComplete:
				return nil
			case batchv1.JobFailed:
				failed = c.Reason + ": " + c.Message
				return nil
			}
		}
		return fmt.Errorf("job %s/%s has not finished", ns, job.Name)
	})
	if err == nil && failed == "" {
		t.Logf("a pod resolved %s through cluster DNS and the echo service answered for %s", host, url)
		return
	}
	if err == nil {
		err = fmt.Errorf("job failed (%s)", failed)
	}
	t.Errorf("in-cluster GET %s: %v\n%s\nCoreDNS Corefile:\n%s", url, err, jobPodLogs(ctx, cs, ns, job.Name), corefile(ctx, cs))
	t.FailNow()
}

// jobPodLogs gathers the status and log of the job's pods, for a failure
// message.
func jobPodLogs(ctx context.Context, cs kubernetes.Interface, ns, jobName string) string {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + jobName})
	if err != nil {
		return "listing the job's pods: " + err.Error()
	}
	if len(pods.Items) == 0 {
		return "the job has no pods"
	}
	var b strings.Builder
	for _, p := range pods.Items {
		fmt.Fprintf(&b, "pod %s: phase %s", p.Name, p.Status.Phase)
		for _, s := range p.Status.ContainerStatuses {
			if w := s.State.Waiting; w != nil {
				fmt.Fprintf(&b, ", waiting (%s: %s)", w.Reason, w.Message)
			}
			if x := s.State.Terminated; x != nil {
				fmt.Fprintf(&b, ", exited %d (%s)", x.ExitCode, x.Reason)
			}
		}
		raw, err := cs.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
		if err != nil {
			fmt.Fprintf(&b, "\nlog: %v\n", err)
			continue
		}
		fmt.Fprintf(&b, "\nlog:\n%s\n", raw)
	}
	return b.String()
}

// corefile returns the cluster's CoreDNS configuration, for a failure
// message.
func corefile(ctx context.Context, cs kubernetes.Interface) string {
	cm, err := cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		return "reading kube-system/coredns: " + err.Error()
	}
	return cm.Data["Corefile"]
}

// ref returns a pointer to v, for the API's optional fields.
func ref[T any](v T) *T { return &v }
