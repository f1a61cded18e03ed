package hostdns

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/devstack-dev/devstack/internal/dns"
	"github.com/devstack-dev/devstack/internal/dns/coredns"
	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/internal/sysfile"
	"github.com/devstack-dev/devstack/internal/up"
)

// loopback answers every name with the loopback address, as devstack's
// resolver does once the OS routes the domain to it.
type loopback struct{}

func (loopback) LookupHost(context.Context, string) ([]string, error) {
	return []string{"127.0.0.1"}, nil
}

// noCommands fails any command: the plain layout needs none.
type noCommands struct{}

func (noCommands) Run(_ context.Context, _ []byte, argv ...string) error {
	return errors.New("unexpected command " + strings.Join(argv, " "))
}

func testPlan() *stack.Plan {
	return &stack.Plan{Domain: "e2e.test", Ingress: stack.Ingress{Namespace: "ingress", Service: "traefik"},
		Components: []stack.Planned{{Component: stack.Component{Name: "echo", Hosts: []string{"echo.e2e.test"}}}}}
}

func corednsConfigMap(t *testing.T) *corev1.ConfigMap {
	t.Helper()
	corefile, err := os.ReadFile("../dns/coredns/testdata/kind-corefile")
	if err != nil {
		t.Fatal(err)
	}
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: coredns.Namespace, Name: coredns.ConfigMap},
		Data: map[string]string{"Corefile": string(corefile)}}
}

func phase(t *testing.T, cs kubernetes.Interface, startErr error) (*Phase, *event.Recorder, string) {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	rec := &event.Recorder{}
	cfg := dns.Config{Addr: "127.0.0.1:15353", Domains: []string{"e2e.test"}}
	return &Phase{
		Sink: rec, StateDir: t.TempDir(), Config: cfg, OSRoot: root,
		Access: sysfile.Access{Euid: 0, Writable: func(string) bool { return true }},
		StartResolver: func(context.Context, string, dns.Config) (dns.Status, error) {
			return dns.Status{Running: true, Addr: cfg.Addr, Config: cfg}, startErr
		},
		Runner: noCommands{}, Lookup: loopback{},
		Clientset: func(up.Target) (kubernetes.Interface, error) { return cs, nil },
	}, rec, root
}

// outcome is "<state>: <message>" of each step's last event.
func outcome(rec *event.Recorder) map[string]string {
	out := map[string]string{}
	warned := map[string]bool{}
	for _, e := range rec.Events() {
		if e.State == event.Warning {
			warned[e.Name] = true
		}
		if e.State.Terminal() {
			state := string(e.State)
			if warned[e.Name] {
				state = "warning"
			}
			out[e.Name] = state + ": " + e.Message
		}
	}
	return out
}

func TestPhaseRoutesTheDomainAndTheClusterDNS(t *testing.T) {
	cs := fake.NewSimpleClientset(corednsConfigMap(t))
	p, rec, root := phase(t, cs, nil)
	if err := p.Ensure(context.Background(), testPlan(), up.Target{Context: "kind-devstack"}); err != nil {
		t.Fatal(err)
	}
	got := outcome(rec)
	want := map[string]string{
		StepResolver:   "succeeded: answering *.e2e.test on 127.0.0.1:15353",
		StepOSRouting:  "succeeded: the system resolver answers *.e2e.test",
		StepClusterDNS: "succeeded: pods resolve *.e2e.test to traefik.ingress.svc.cluster.local",
	}
	for step, w := range want {
		if got[step] != w {
			t.Errorf("%s: %q, want %q", step, got[step], w)
		}
	}
	// Where the domain cannot be routed (no systemd-resolved in this
	// root), the stack's hosts are listed in the hosts file.
	hosts, err := os.ReadFile(filepath.Join(root, "etc", "hosts"))
	if err != nil || !strings.Contains(string(hosts), "127.0.0.1 echo.e2e.test") {
		t.Errorf("hosts file: %v\n%s", err, hosts)
	}
	cm, err := cs.CoreV1().ConfigMaps(coredns.Namespace).Get(context.Background(), coredns.ConfigMap, metav1.GetOptions{})
	if err != nil || !strings.Contains(cm.Data["Corefile"], `e2e\.test\.$ traefik.ingress.svc.cluster.local.`) {
		t.Errorf("Corefile not rewritten: %v\n%s", err, cm.Data["Corefile"])
	}
}

func TestPhaseWithoutCoreDNSWarns(t *testing.T) {
	p, rec, _ := phase(t, fake.NewSimpleClientset(), nil)
	if err := p.Ensure(context.Background(), testPlan(), up.Target{}); err != nil {
		t.Fatalf("a cluster without CoreDNS is a warning, not a failure: %v", err)
	}
	if got := outcome(rec)[StepClusterDNS]; got != "warning: the cluster has no kube-system/coredns ConfigMap: pods will not resolve *.e2e.test" {
		t.Errorf("cluster DNS: %q", got)
	}
}

func TestPhaseResolverFailureStopsTheOtherSteps(t *testing.T) {
	p, rec, _ := phase(t, fake.NewSimpleClientset(), errors.New("port 15353 is in use by pid 42 (dnsmasq)"))
	err := p.Ensure(context.Background(), testPlan(), up.Target{})
	if err == nil || err.Error() != "resolver: port 15353 is in use by pid 42 (dnsmasq)" {
		t.Fatalf("err %q: the step is named once", err)
	}
	got := outcome(rec)
	if _, ran := got[StepOSRouting]; ran || got[StepResolver] != "failed: port 15353 is in use by pid 42 (dnsmasq)" {
		t.Errorf("steps %v", got)
	}
}

// TestPhaseAsAUserNeedingSudoSaysWhatToRun: up never prompts for a
// password under the live view; it names the command and the files.
func TestPhaseAsAUserNeedingSudoSaysWhatToRun(t *testing.T) {
	p, rec, root := phase(t, fake.NewSimpleClientset(corednsConfigMap(t)), nil)
	p.Access = sysfile.Access{Euid: 1000, Writable: func(string) bool { return false }}
	if err := p.Ensure(context.Background(), testPlan(), up.Target{}); err != nil {
		t.Fatalf("needing sudo is a warning, not a failure: %v", err)
	}
	want := "warning: run `devstack dns install` once to route *.e2e.test from this machine (it uses sudo for " + filepath.Join(root, "etc", "hosts") + ")"
	if got := outcome(rec)[StepOSRouting]; got != want {
		t.Errorf("OS routing:\n got %q\nwant %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(root, "etc", "hosts")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the hosts file was written without sudo: %v", err)
	}
}
