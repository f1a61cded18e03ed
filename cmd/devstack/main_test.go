package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// devstack runs the real command line against buffers.
func devstack(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), code
}

type planJSON struct {
	Profile      string   `json:"profile"`
	Domain       string   `json:"domain"`
	CriticalPath []string `json:"criticalPath"`
	Components   []struct {
		Name             string         `json:"name"`
		Layer            int            `json:"layer"`
		Tier             string         `json:"tier"`
		DependsOn        []string       `json:"dependsOn"`
		Namespace        string         `json:"namespace"`
		Hosts            []string       `json:"hosts"`
		EstimatedSeconds int            `json:"estimatedSeconds"`
		Values           map[string]any `json:"values"`
		Chart            map[string]any `json:"chart"`
	} `json:"components"`
}

func planOf(t *testing.T, args ...string) planJSON {
	t.Helper()
	out, errOut, code := devstack(t, append([]string{"plan", "-o", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("plan %v: exit %d: %s", args, code, errOut)
	}
	var p planJSON
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("plan json: %v\n%s", err, out)
	}
	return p
}

// dig walks a values path.
func dig(v map[string]any, path ...string) any {
	var cur any = v
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func TestPlanSeedGraph(t *testing.T) {
	p := planOf(t)
	if p.Profile != "dev" || p.Domain != "local" {
		t.Fatalf("profile %q domain %q", p.Profile, p.Domain)
	}
	want := []string{"prometheus-operator-crds", "traefik", "traefik-config", "localstack", "cnpg-operator", "external-secrets", "eso-config",
		"metrics-server", "scylla-operator", "cert-manager", "kube-prometheus-stack", "flux", "flux-instance", "loki", "alloy",
		"jaeger", "opentelemetry", "scylla-manager", "postgresql", "redis", "scylladb", "n8n", "temporal", "pgadmin4", "redisinsight"}
	deps := map[string][]string{}
	pos := map[string]int{}
	for i, c := range p.Components {
		deps[c.Name] = c.DependsOn
		pos[c.Name] = i
		if c.EstimatedSeconds <= 0 || c.Namespace == "" || c.Chart == nil {
			t.Errorf("%s: incomplete: %+v", c.Name, c)
		}
		for _, d := range c.DependsOn {
			if pos[d] >= i && d != c.Name {
				if _, seen := pos[d]; !seen {
					t.Errorf("%s listed before its dependency %s", c.Name, d)
				}
			}
		}
	}
	for _, n := range want {
		if _, ok := deps[n]; !ok {
			t.Errorf("component %s missing from the dev plan", n)
		}
	}
	has := func(c, d string) bool {
		for _, x := range deps[c] {
			if x == d {
				return true
			}
		}
		return false
	}
	// The seed's edges, and the correctness edges DESIGN.md adds.
	edges := [][2]string{
		{"traefik", "traefik-config"}, {"external-secrets", "eso-config"}, {"localstack", "eso-config"},
		{"cert-manager", "scylla-operator"}, {"scylla-operator", "scylla-manager"}, {"scylla-manager", "scylladb"},
		{"cnpg-operator", "postgresql"}, {"external-secrets", "redis"}, {"postgresql", "n8n"}, {"redis", "n8n"},
		{"postgresql", "temporal"}, {"postgresql", "pgadmin4"}, {"redis", "redisinsight"}, {"flux", "flux-instance"},
	}
	for _, l0 := range []string{"prometheus-operator-crds", "traefik", "traefik-config", "localstack", "cnpg-operator", "external-secrets", "eso-config", "metrics-server", "scylla-operator"} {
		edges = append(edges, [2]string{l0, "kube-prometheus-stack"}, [2]string{l0, "flux"})
	}
	for _, l2 := range []string{"loki", "alloy", "jaeger", "opentelemetry"} {
		edges = append(edges, [2]string{"kube-prometheus-stack", l2})
	}
	for _, e := range edges {
		if !has(e[1], e[0]) {
			t.Errorf("missing edge %s -> %s", e[0], e[1])
		}
	}
	if len(p.CriticalPath) == 0 {
		t.Error("no critical path")
	}
}

func TestPlanProfilesCarryTheSeedTable(t *testing.T) {
	type row struct {
		component string
		path      []string
		dev, prod any
	}
	table := []row{
		{"postgresql", []string{"cluster", "instances"}, 1.0, 3.0},
		{"postgresql", []string{"cluster", "storage", "size"}, "10Gi", "20Gi"},
		{"redis", []string{"replicas"}, 1.0, 3.0},
		{"kube-prometheus-stack", []string{"prometheus", "prometheusSpec", "retention"}, "7d", "30d"},
		{"kube-prometheus-stack", []string{"prometheus", "prometheusSpec", "storageSpec", "volumeClaimTemplate", "spec", "resources", "requests", "storage"}, "20Gi", "50Gi"},
		{"traefik", []string{"deployment", "replicas"}, 1.0, 3.0},
		{"postgresql", []string{"backups", "retentionPolicy"}, "7d", "30d"},
	}
	for _, profile := range []string{"dev", "prod"} {
		p := planOf(t, "--profile", profile)
		values := map[string]map[string]any{}
		for _, c := range p.Components {
			values[c.Name] = c.Values
		}
		for _, r := range table {
			want := r.dev
			if profile == "prod" {
				want = r.prod
			}
			if got := dig(values[r.component], r.path...); got != want {
				t.Errorf("%s: %s.%s = %v, want %v", profile, r.component, strings.Join(r.path, "."), got, want)
			}
		}
	}
}

func TestPlanOnlyAndMinimal(t *testing.T) {
	p := planOf(t, "--only", "n8n")
	var got []string
	for _, c := range p.Components {
		got = append(got, c.Name)
	}
	if strings.Join(got, ",") != "prometheus-operator-crds,cnpg-operator,external-secrets,postgresql,redis,n8n" {
		t.Fatalf("--only n8n: %v", got)
	}
	for _, c := range planOf(t, "--profile", "minimal").Components {
		if c.Tier != "foundation" {
			t.Errorf("minimal holds %s of tier %q, want the foundation only", c.Name, c.Tier)
		}
	}
}

func TestPlanTableFitsEightyColumns(t *testing.T) {
	out, _, code := devstack(t, "plan")
	if code != 0 {
		t.Fatal(code)
	}
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("%d columns: %s", n, line)
		}
	}
	if !strings.Contains(out, "http://grafana.local") {
		t.Error("hosts missing from the table")
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("apiVersion: devstack.dev/v1alpha1\nkind: Stack\ncomponents:\n  - name: n8n\n    dependsOn: [postgres]\n"), 0o600)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"plan", "-f", bad}, 2, bad + `:5: components[n8n].dependsOn[0]: unknown dependency "postgres"`},
		{[]string{"plan", "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"plan", "-o", "yaml"}, 2, "--output must be table or json"},
		{[]string{"plan", "extra"}, 2, `unknown command "extra"`},
		{[]string{"plan", "--profile", "huge"}, 2, `unknown profile "huge"`},
		{[]string{"plan", "--set", "nope.a=1"}, 2, `unknown component "nope"`},
		{[]string{"plan", "--only", "nope"}, 2, `unknown component "nope"`},
		{[]string{"profiles", "show"}, 2, "accepts 1 arg"},
		{[]string{"version"}, 0, ""},
		{[]string{"nosuchcommand"}, 2, "unknown command"},
	}
	for _, tc := range cases {
		_, errOut, code := devstack(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d containing %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}

func TestProfilesCommands(t *testing.T) {
	out, _, code := devstack(t, "profiles", "list")
	for _, p := range []string{"dev", "prod", "minimal"} {
		if code != 0 || !strings.Contains(out, p+" ") {
			t.Errorf("profiles list lacks %s:\n%s", p, out)
		}
	}
	out, _, code = devstack(t, "profiles", "show", "prod")
	if code != 0 || !strings.Contains(out, "instances: 3") || !strings.Contains(out, "retention: 30d") {
		t.Errorf("profiles show prod:\n%s", out)
	}
}

func TestCompletion(t *testing.T) {
	out, _, code := devstack(t, "completion", "bash")
	if code != 0 || !strings.Contains(out, "__start_devstack") {
		t.Fatalf("completion bash: exit %d", code)
	}
}
