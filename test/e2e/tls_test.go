package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/devstack-dev/devstack/internal/ca"
	"github.com/devstack-dev/devstack/internal/clustertls"
	"github.com/devstack-dev/devstack/internal/trust"
)

// curlHTTPS GETs https://host:port/path with curl, resolving host to ip
// (curl's --resolve), verifying against cacert ("" for the system roots:
// the bundle update-ca-certificates builds, read by curl's OpenSSL, a
// program other than devstack). It returns
// curl's exit code and output.
func curlHTTPS(ctx context.Context, ip net.IP, host string, port int, path, cacert string) (int, string) {
	args := []string{"--silent", "--show-error", "--fail", "--max-time", "10",
		"--resolve", fmt.Sprintf("%s:%d:%s", host, port, ip), fmt.Sprintf("https://%s:%d%s", host, port, path)}
	if cacert != "" {
		args = append(args, "--cacert", cacert)
	}
	out, err := exec.CommandContext(ctx, "curl", args...).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		return -1, err.Error()
	}
	return 0, string(out)
}

// curlExitVerify is curl's exit code for a certificate it cannot verify.
const curlExitVerify = 60

// checkHTTPS: the echo host answers HTTPS on the HTTPS port with the
// certificate devstack issued, verified against devstack's CA.
func checkHTTPS(ctx context.Context, t *testing.T, status map[string]any, stateDir, caDir, host string, port int) {
	t.Helper()
	ip, err := resolve(ctx, resolverAddr(status, stateDir), host)
	if err != nil {
		t.Fatalf("resolving %s: %v", host, err)
	}
	cacert := filepath.Join(caDir, ca.CertFile)
	rctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	var code int
	var out string
	err = eventually(rctx, 2*time.Second, func() error {
		if code, out = curlHTTPS(rctx, ip, host, port, "/e2e-tls", cacert); code != 0 {
			return fmt.Errorf("curl exit %d: %s", code, out)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("curl https://%s:%d --cacert %s: %v", host, port, cacert, err)
	}
	if !strings.Contains(out, `"service":"echo"`) {
		t.Fatalf("https://%s:%d answered, but not as the echo service: %s", host, port, out)
	}
	t.Logf("curl https://%s:%d/e2e-tls verified against devstack's CA: %s", host, port, strings.TrimSpace(out))

	want := "https://" + host + ":" + strconv.Itoa(port)
	if urls, _ := status["urls"].([]any); !containsAny(urls, want) {
		t.Errorf("status -o json urls %v: want %s once the certificate is in place", urls, want)
	}
}

func containsAny(list []any, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// checkSystemTrust: after `trust uninstall` curl refuses the certificate
// against the system roots; after `trust install` it accepts it with no
// extra flag.
func checkSystemTrust(ctx context.Context, t *testing.T, c *cli, status map[string]any, stateDir, host string, port int) {
	t.Helper()
	ip, err := resolve(ctx, resolverAddr(status, stateDir), host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.run(ctx, "trust", "uninstall"); err != nil {
		t.Fatalf("trust uninstall: %v", err)
	}
	if code, out := curlHTTPS(ctx, ip, host, port, "/e2e-tls", ""); code != curlExitVerify {
		t.Errorf("after trust uninstall, curl against the system roots exited %d (want %d, unverifiable): %s", code, curlExitVerify, out)
	}
	out, err := c.run(ctx, "trust", "install")
	if err != nil {
		t.Fatalf("trust install: %v", err)
	}
	if !strings.Contains(out, "verified: a TLS handshake") {
		t.Errorf("trust install did not report its verification:\n%s", out)
	}
	if code, out := curlHTTPS(ctx, ip, host, port, "/e2e-tls", ""); code != 0 {
		t.Fatalf("after trust install, curl https://%s:%d against the system roots: exit %d: %s", host, port, code, out)
	}
	t.Logf("after trust install, curl https://%s:%d verifies against the system roots with no extra flag", host, port)
	stout, err := c.stdout(ctx, "trust", "status", "-o", "json")
	if err != nil || !strings.Contains(string(stout), `"systemTrusted": true`) {
		t.Errorf("trust status -o json after install: %v\n%s", err, stout)
	}
}

// checkPodTrust: a pod with the CA bundle ConfigMap mounted and
// SSL_CERT_FILE pointing at it (as the README tells users) verifies the
// echo service's certificate through the ingress.
func checkPodTrust(ctx context.Context, t *testing.T, clusterName, ns, host string) {
	t.Helper()
	checkInClusterGet(ctx, t, clusterName, ns, "https://"+host+"/in-cluster-tls", func(ps *corev1.PodSpec) {
		ps.Volumes = append(ps.Volumes, corev1.Volume{Name: "devstack-ca", VolumeSource: corev1.VolumeSource{
			ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: clustertls.BundleName}},
		}})
		ct := &ps.Containers[0]
		ct.VolumeMounts = append(ct.VolumeMounts, corev1.VolumeMount{Name: "devstack-ca", MountPath: "/etc/devstack-ca", ReadOnly: true})
		ct.Env = append(ct.Env, corev1.EnvVar{Name: "SSL_CERT_FILE", Value: "/etc/devstack-ca/" + clustertls.BundleKey})
	})
}

// checkResetAll: reset keeps the CA (and says so); reset --all removes it
// and its anchor, and a handshake with a certificate from the old CA then
// fails against the system roots.
func checkResetAll(ctx context.Context, t *testing.T, c *cli, caDir, resetOutput string) {
	t.Helper()
	if !strings.Contains(resetOutput, "Kept devstack's CA in "+caDir) {
		t.Errorf("reset did not say it kept the CA:\n%s", resetOutput)
	}
	old, err := ca.Load(caDir)
	if err != nil {
		t.Fatalf("reset removed the CA: %v", err)
	}
	bin, _ := filepath.Abs(c.bin)
	probe := trust.ExecVerifier{Argv: []string{bin, "trust", "probe"}}
	if err := trust.Handshake(ctx, old, probe); err != nil {
		t.Errorf("before reset --all the system should trust the CA: %v", err)
	}
	out, err := c.run(ctx, "reset", "--yes", "--all")
	if err != nil {
		t.Fatalf("reset --all: %v", err)
	}
	if _, err := os.Stat(caDir); !os.IsNotExist(err) {
		t.Errorf("reset --all left the CA directory %s (%v)", caDir, err)
	}
	anchors, _ := filepath.Glob("/usr/local/share/ca-certificates/" + trust.AnchorName(old.Cert, ".crt"))
	if len(anchors) > 0 {
		t.Errorf("reset --all left the anchor %v", anchors)
	}
	err = trust.Handshake(ctx, old, probe)
	if err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Errorf("after reset --all a handshake with the old CA's certificate: %v, want a verification failure", err)
	}
	t.Logf("reset --all removed the CA and its trust:\n%s", out)
}
