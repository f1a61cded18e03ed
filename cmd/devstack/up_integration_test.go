package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/dns/coredns"
	"github.com/devstack-dev/devstack/internal/env"
	"github.com/devstack-dev/devstack/internal/status"
	"github.com/devstack-dev/devstack/internal/testcluster"
	"github.com/devstack-dev/devstack/internal/tui"
)

// writeProfile writes a standalone profile of the installer's own test
// charts: an operator with a CRD (foundation), a custom resource of it and
// an app (applications).
func writeProfile(t *testing.T) string {
	t.Helper()
	charts, err := filepath.Abs("../../internal/helm/testdata/charts")
	if err != nil {
		t.Fatal(err)
	}
	profile := fmt.Sprintf(`apiVersion: devstack.dev/v1alpha1
kind: Stack
description: integration test stack
standalone: true
components:
  - name: operator
    tier: foundation
    namespace: it-system
    chart: {path: %[1]s/operator}
    estimatedSeconds: 5
  - name: widget
    tier: apps
    namespace: it-apps
    chart: {path: %[1]s/widget}
    dependsOn: [operator]
    estimatedSeconds: 2
  - name: app
    tier: apps
    namespace: it-apps
    chart: {path: %[1]s/app}
    dependsOn: [widget]
    hosts: [app]
    estimatedSeconds: 5
    values: {greeting: hi}
`, charts)
	p := filepath.Join(t.TempDir(), "it.yaml")
	if err := os.WriteFile(p, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIntegrationUpContext runs the real command line against a real
// control plane: up into an existing context, a converged re-run, status,
// and the application tier's removal.
func TestIntegrationUpContext(t *testing.T) {
	c := testcluster.New(t)
	t.Setenv("DEVSTACK_STATE_DIR", t.TempDir())
	t.Setenv("DEVSTACK_CACHE_DIR", t.TempDir())
	t.Setenv(env.EnvOSRoot, t.TempDir())
	t.Setenv(ca.EnvDir, t.TempDir())
	profile := writeProfile(t)
	target := []string{"--profile", profile, "--context", c.Context, "--kubeconfig", c.Kubeconfig}

	// Ctrl-C while the first component installs: the run stops cleanly,
	// says how to resume, and the next up (below) recovers.
	interruptedUp(t, append([]string{"up", "--no-tui", "--no-dns", "--timeout", "90s"}, target...))

	out, errOut, code := devstack(t, append([]string{"up", "--no-tui", "--no-dns", "--timeout", "90s"}, target...)...)
	if code != 0 {
		t.Fatalf("up: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"operator", "widget", "app"} {
		if !hasLine(out, "component", name, "succeeded") {
			t.Errorf("first up did not install %s:\n%s", name, out)
		}
	}
	// The TLS step put the ingress certificate in place: https.
	if !strings.Contains(out, "https://app.local") {
		t.Errorf("the summary lacks the https URL:\n%s", out)
	}

	out, errOut, code = devstack(t, append([]string{"up", "--no-tui", "--no-dns"}, target...)...)
	if code != 0 {
		t.Fatalf("second up: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, name := range []string{"operator", "widget", "app"} {
		if !hasLine(out, "component", name, "skipped") || hasLine(out, "component", name, "succeeded") {
			t.Errorf("converged re-run did not skip %s:\n%s", name, out)
		}
	}

	st := statusOf(t, target)
	if !st.Ready || len(st.Components) != 3 {
		t.Fatalf("status after up: %+v", st)
	}

	out, errOut, code = devstack(t, append([]string{"reset", "--tier", "apps", "--yes"}, target...)...)
	if code != 0 {
		t.Fatalf("reset --tier apps: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "Uninstalled:") || !strings.Contains(out, "release app") || !strings.Contains(out, "release widget") || strings.Contains(out, "release operator") {
		t.Errorf("reset --tier apps removed the wrong releases:\n%s", out)
	}
	installed := map[string]bool{}
	for _, c := range statusOf(t, target).Components {
		installed[c.Name] = c.Installed
	}
	if !installed["operator"] || installed["widget"] || installed["app"] {
		t.Fatalf("after reset --tier apps: %v", installed)
	}

	// The CoreDNS rewrite up adds to a cluster: dns uninstall removes it,
	// and so does reset.
	cs := coreDNS(t, c.Config)
	out, errOut, code = devstack(t, append([]string{"dns", "uninstall"}, target[2:]...)...)
	if code != 0 || !strings.Contains(out, "removed: CoreDNS rewrite") || corefileOf(t, cs) != plainCorefile {
		t.Fatalf("dns uninstall: exit %d\n%s\n%s\nCorefile:\n%s", code, out, errOut, corefileOf(t, cs))
	}
	if _, err := coredns.Configure(context.Background(), cs, []string{"local"}, coredns.Target{Namespace: "ingress", Name: "traefik"}); err != nil {
		t.Fatal(err)
	}

	// A cluster devstack did not create is not deleted: reset uninstalls
	// what devstack installed in it.
	out, errOut, code = devstack(t, append([]string{"reset", "--yes"}, target...)...)
	if code != 0 {
		t.Fatalf("reset: exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "CoreDNS rewrite in kube-system/coredns (CoreDNS restarted)") || corefileOf(t, cs) != plainCorefile {
		t.Errorf("reset left the CoreDNS rewrite:\n%s\nCorefile:\n%s", out, corefileOf(t, cs))
	}
	// Only the release that still existed is listed; what Helm leaves
	// (the namespaces devstack created, the chart's CRDs) is listed first,
	// then removed.
	if !strings.Contains(out, "  - release operator") || strings.Contains(out, "release app") || strings.Contains(out, "release widget") {
		t.Errorf("reset lists releases that were not there:\n%s", out)
	}
	for _, ns := range []string{"it-system", "it-apps"} {
		if !strings.Contains(out, "  - namespace "+ns) {
			t.Errorf("reset did not offer and remove namespace %s:\n%s", ns, out)
		}
		if n, err := cs.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); err == nil && n.DeletionTimestamp == nil {
			t.Errorf("namespace %s is still there", ns)
		}
	}
	if !strings.Contains(out, "  - CRD ") {
		t.Errorf("reset did not remove the chart's CRDs:\n%s", out)
	}
	for _, c := range statusOf(t, target).Components {
		if c.Installed {
			t.Errorf("%s still installed after reset", c.Name)
		}
	}
}

func statusOf(t *testing.T, target []string) status.Report {
	t.Helper()
	out, errOut, code := devstack(t, append([]string{"status", "-o", "json"}, target...)...)
	if code != 0 {
		t.Fatalf("status: exit %d\n%s", code, errOut)
	}
	var st status.Report
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status json: %v\n%s", err, out)
	}
	return st
}

// hasLine reports whether a plain-printer line has these fields after its
// timestamp.
func hasLine(out string, fields ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > len(fields) && strings.Join(f[1:1+len(fields)], " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}

// interruptedUp runs up as a process of its own (the test binary running
// main) and sends it one SIGINT once a component is being installed: what
// a user's Ctrl-C does. In-process, the cancelled install's goroutines
// would outlive the run; a process takes them with it, as a real one does.
func interruptedUp(t *testing.T, args []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	var errOut lockedBuffer
	cmd.Stderr = &errOut
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(3*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	var out strings.Builder
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if strings.Contains(sc.Text(), "component operator") {
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != exitFailure || !strings.Contains(errOut.String(), tui.CancellingNotice) ||
		!strings.Contains(errOut.String(), "run `devstack up` again to resume") {
		t.Errorf("interrupted up: exit %d (%v)\n%s\n%s", code, err, out.String(), errOut.String())
	}
}

const plainCorefile = ".:53 {\n    errors\n    forward . /etc/resolv.conf\n}\n"

// coreDNS creates kube-system/coredns as kubeadm does (the Corefile and
// the Deployment) with devstack's rewrite in it, as up leaves it.
func coreDNS(t *testing.T, cfg *rest.Config) kubernetes.Interface {
	t.Helper()
	ctx := context.Background()
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: coredns.Namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: coredns.Namespace, Name: coredns.ConfigMap}, Data: map[string]string{"Corefile": plainCorefile}}
	if _, err := cs.CoreV1().ConfigMaps(coredns.Namespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"k8s-app": "kube-dns"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: coredns.Namespace, Name: coredns.Deployment},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: labels},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "coredns", Image: "coredns"}}}}}}
	if _, err := cs.AppsV1().Deployments(coredns.Namespace).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := coredns.Configure(ctx, cs, []string{"local"}, coredns.Target{Namespace: "ingress", Name: "traefik"}); err != nil {
		t.Fatal(err)
	}
	return cs
}

func corefileOf(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	cm, err := cs.CoreV1().ConfigMaps(coredns.Namespace).Get(context.Background(), coredns.ConfigMap, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm.Data["Corefile"]
}
