package profiles_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// These tests assert the audit's fixes on the merged plan, the values `up`
// hands to Helm, for every shipped profile that runs the component.

var fullProfiles = []string{"dev", "prod"}

func planFor(t *testing.T, profile string) *stack.Plan {
	t.Helper()
	p, err := stack.Load(stack.Options{FS: profiles.FS, Profile: profile})
	if err != nil {
		t.Fatalf("profile %s: %v", profile, err)
	}
	return p
}

func component(t *testing.T, p *stack.Plan, name string) stack.Planned {
	t.Helper()
	c, ok := p.Component(name)
	if !ok {
		t.Fatalf("profile %s: no component %s", p.Profile, name)
	}
	return c
}

// at reads a dot-separated values path.
func at(vals map[string]any, path string) any {
	var v any = vals
	for _, k := range strings.Split(path, ".") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func number(t *testing.T, v any) float64 {
	t.Helper()
	switch n := v.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case float64:
		return n
	case string:
		f, err := strconv.ParseFloat(n, 64)
		if err == nil {
			return f
		}
	}
	t.Fatalf("%#v is not a number", v)
	return 0
}

// duration parses Prometheus/Loki durations ("7d", "168h").
func duration(t *testing.T, s string) time.Duration {
	t.Helper()
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil {
			t.Fatalf("duration %q: %v", s, err)
		}
		return time.Duration(n) * 24 * time.Hour
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("duration %q: %v", s, err)
	}
	return d
}

// transitiveDeps is every component c depends on, directly or not.
func transitiveDeps(p *stack.Plan, name string) map[string]bool {
	out := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		c, _ := p.Component(n)
		for _, d := range c.DependsOn {
			if !out[d] {
				out[d] = true
				walk(d)
			}
		}
	}
	walk(name)
	return out
}

func TestPlanPostgreSQLImageIsMaintainedAndTheSameEverywhere(t *testing.T) {
	t.Parallel()
	const image = "ghcr.io/cloudnative-pg/postgresql:16-standard-trixie"
	for _, prof := range fullProfiles {
		pg := component(t, planFor(t, prof), "postgresql")
		got, _ := at(pg.Values, "cluster.imageName").(string)
		if got != image {
			t.Errorf("%s: cluster.imageName = %q, want %q (bare major tags are deprecated bullseye images)", prof, got, image)
		}
		// The chart derives monitoring queries and catalogs from the major.
		if major := at(pg.Values, "version.postgresql"); major != "16" || !strings.Contains(got, ":16-") {
			t.Errorf("%s: version.postgresql %v does not match the image %s", prof, major, got)
		}
		if !slices.Contains(pg.Images, image) {
			t.Errorf("%s: images %v do not list the instances' image %s", prof, pg.Images, image)
		}
	}
}

// max_connections must hold every pool at once, with headroom.
func TestPlanPostgreSQLConnectionsCoverThePools(t *testing.T) {
	t.Parallel()
	for _, prof := range fullProfiles {
		p := planFor(t, prof)
		temporal := component(t, p, "temporal")
		services := 4 // frontend, history, matching, worker
		pools := 0.0
		stores, _ := at(temporal.Values, "server.config.persistence.datastores").(map[string]any)
		for name := range stores {
			pools += float64(services) * number(t, at(temporal.Values, "server.config.persistence.datastores."+name+".sql.maxConns"))
		}
		pools += number(t, at(component(t, p, "n8n").Values, "db.postgresdb.poolSize"))
		const pgAdmin, operatorAndReplicas, reserved = 5, 5, 3
		pools += pgAdmin + operatorAndReplicas + reserved
		maxConn := number(t, at(component(t, p, "postgresql").Values, "cluster.postgresql.parameters.max_connections"))
		if maxConn < 1.5*pools {
			t.Errorf("%s: max_connections %v for %v pooled connections: want at least 1.5x headroom", prof, maxConn, pools)
		}
	}
}

func TestPlanN8nRunsAMaintainedRelease(t *testing.T) {
	t.Parallel()
	for _, prof := range fullProfiles {
		n8n := component(t, planFor(t, prof), "n8n")
		ch := n8n.Chart
		if ch.Repo != "https://community-charts.github.io/helm-charts" || ch.Name != "n8n" || ch.Version != "1.24.32" {
			t.Errorf("%s: chart %+v, want community-charts n8n 1.24.32 (n8n 2.35.7)", prof, ch)
		}
		if tag, _ := at(n8n.Values, "image.tag").(string); tag != "" {
			t.Errorf("%s: image.tag %q overrides the chart's fixed appVersion", prof, tag)
		}
		for path, want := range map[string]any{
			"db.type":                                      "postgresdb",
			"externalPostgresql.host":                      "postgresql-rw.data.svc",
			"externalPostgresql.existingSecret":            "postgresql-app",
			"externalPostgresql.existingSecretPasswordKey": "password",
			"externalRedis.host":                           "redis-haproxy.data.svc",
			"main.extraEnvVars.N8N_CACHE_BACKEND":          "redis",
			"main.extraEnvVars.N8N_SECURE_COOKIE":          "false",
		} {
			if got := at(n8n.Values, path); got != want {
				t.Errorf("%s: n8n values.%s = %#v, want %#v", prof, path, got, want)
			}
		}
		// The Bitnami subcharts run withdrawn bitnamilegacy images.
		for _, sub := range []string{"redis.enabled", "postgresql.enabled", "minio.enabled"} {
			if at(n8n.Values, sub) == true {
				t.Errorf("%s: n8n %s: the Bitnami subcharts must stay off", prof, sub)
			}
		}
	}
}

func TestPlanFluxReplacesWeaveGitops(t *testing.T) {
	t.Parallel()
	for _, prof := range fullProfiles {
		p := planFor(t, prof)
		if _, ok := p.Component("weave-gitops"); ok {
			t.Errorf("%s: weave-gitops is still planned", prof)
		}
		flux := component(t, p, "flux")
		kps := component(t, p, "kube-prometheus-stack")
		// The seed puts its GitOps UI in layer 1, beside monitoring.
		if flux.Chart.OCI != "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator" || flux.Layer != kps.Layer {
			t.Errorf("%s: flux chart %+v layer %d, want the Flux Operator chart in kube-prometheus-stack's layer %d", prof, flux.Chart, flux.Layer, kps.Layer)
		}
		if at(flux.Values, "web.enabled") != true || !slices.Equal(flux.Hosts, []string{"flux.local"}) ||
			at(flux.Values, "web.ingress.hosts").([]any)[0].(map[string]any)["host"] != "flux.local" {
			t.Errorf("%s: flux web UI: enabled %v hosts %v ingress %v", prof, at(flux.Values, "web.enabled"), flux.Hosts, at(flux.Values, "web.ingress"))
		}
		inst := component(t, p, "flux-instance")
		if len(inst.Wait) != 1 || inst.Wait[0].Kind != "FluxInstance" || inst.Wait[0].Name != "flux" || inst.Wait[0].Condition != "Ready" {
			t.Errorf("%s: flux-instance waits for %+v, want FluxInstance/flux Ready", prof, inst.Wait)
		}
		if !transitiveDeps(p, "flux-instance")["flux"] {
			t.Errorf("%s: flux-instance does not depend on flux (its CRDs)", prof)
		}
		for _, d := range kps.DependsOn {
			if !slices.Contains(flux.DependsOn, d) {
				t.Errorf("%s: seed edge: foundation component %s -> kube-prometheus-stack but not -> flux", prof, d)
			}
		}
		eso := component(t, p, "eso-config")
		if _, ok := eso.Values["weaveGitopsAdmin"]; ok {
			t.Errorf("%s: eso-config still creates the Weave GitOps login", prof)
		}
	}
}

func TestPlanLocalStackHasNoEnterpriseExecutor(t *testing.T) {
	t.Parallel()
	for _, prof := range append(slices.Clone(fullProfiles), "minimal") {
		ls := component(t, planFor(t, prof), "localstack")
		if ex := at(ls.Values, "lambda.executor"); ex != nil {
			t.Errorf("%s: lambda.executor %v: the kubernetes executor is Enterprise-only", prof, ex)
		}
		if img := fmt.Sprint(at(ls.Values, "image.repository"), ":", at(ls.Values, "image.tag")); img != "localstack/localstack:4.14.0" {
			t.Errorf("%s: image %s, want the last tokenless community image localstack/localstack:4.14.0", prof, img)
		}
	}
}

// kind's local-path volumes do not enforce sizes: every store is bounded
// by retention, and Prometheus by size below its volume.
func TestPlanDiskIsBounded(t *testing.T) {
	t.Parallel()
	for _, prof := range fullProfiles {
		p := planFor(t, prof)
		kps := component(t, p, "kube-prometheus-stack").Values
		retention := duration(t, at(kps, "prometheus.prometheusSpec.retention").(string))
		loki := component(t, p, "loki").Values
		if at(loki, "loki.compactor.retention_enabled") != true || at(loki, "loki.compactor.delete_request_store") == nil {
			t.Errorf("%s: Loki's compactor retention is off: %v", prof, at(loki, "loki.compactor"))
		}
		if got := duration(t, at(loki, "loki.limits_config.retention_period").(string)); got != retention {
			t.Errorf("%s: Loki keeps %s, Prometheus %s: want the profile's one retention", prof, got, retention)
		}
		// Prometheus' ByteSize units are powers of two: GB is GiB.
		size, _ := at(kps, "prometheus.prometheusSpec.retentionSize").(string)
		limit, err := resource.ParseQuantity(strings.Replace(size, "B", "i", 1))
		if err != nil {
			t.Fatalf("%s: retentionSize %q: %v", prof, size, err)
		}
		volume := resource.MustParse(at(kps, "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage").(string))
		if limit.Cmp(volume) >= 0 || float64(limit.Value()) > 0.9*float64(volume.Value()) {
			t.Errorf("%s: retentionSize %s against a %s volume: want at most 90%% of it (WAL and compaction need room)", prof, size, volume.String())
		}
		if lvl := at(component(t, p, "temporal").Values, "server.config.logLevel"); lvl != "info" {
			t.Errorf("%s: Temporal logLevel %v, want info (the chart defaults to debug)", prof, lvl)
		}
	}
}

func TestPlanTemporalShardsPerProfileAndImmutable(t *testing.T) {
	t.Parallel()
	const path = "server.config.persistence.numHistoryShards"
	want := map[string]float64{"dev": 4, "prod": 512}
	for _, prof := range fullProfiles {
		temporal := component(t, planFor(t, prof), "temporal")
		if got := number(t, at(temporal.Values, path)); got != want[prof] {
			t.Errorf("%s: numHistoryShards %v, want %v", prof, got, want[prof])
		}
		if !slices.Contains(temporal.Immutable, path) {
			t.Errorf("%s: temporal immutable %v: up would let a shard change break Temporal", prof, temporal.Immutable)
		}
	}
}

// The components whose charts ship ServiceMonitors/PodMonitors have them
// on, and every one of them installs after the monitoring CRDs.
func TestPlanMonitorsAreOnAfterTheirCRDs(t *testing.T) {
	t.Parallel()
	monitors := map[string][]string{
		"traefik":               {"metrics.prometheus.serviceMonitor.enabled", "metrics.prometheus.service.enabled"},
		"cnpg-operator":         {"monitoring.podMonitorEnabled", "monitoring.grafanaDashboard.create"},
		"postgresql":            {"cluster.monitoring.enabled"},
		"external-secrets":      {"serviceMonitor.enabled", "grafanaDashboard.enabled"},
		"cert-manager":          {"prometheus.servicemonitor.enabled"},
		"scylladb":              {"serviceMonitor.create"},
		"scylla-manager":        {"serviceMonitor.create", "scylla.serviceMonitor.create"},
		"redis":                 {"exporter.enabled", "exporter.serviceMonitor.enabled"},
		"loki":                  {"monitoring.serviceMonitor.enabled", "monitoring.rules.enabled", "monitoring.dashboards.enabled"},
		"temporal":              {"server.metrics.serviceMonitor.enabled"},
		"flux":                  {"serviceMonitor.create"},
		"flux-instance":         {"podMonitor.enabled"},
		"kube-prometheus-stack": nil,
	}
	for _, prof := range fullProfiles {
		p := planFor(t, prof)
		for name, paths := range monitors {
			c := component(t, p, name)
			for _, path := range paths {
				if at(c.Values, path) != true {
					t.Errorf("%s: %s values.%s = %v, want true", prof, name, path, at(c.Values, path))
				}
			}
			if !transitiveDeps(p, name)["prometheus-operator-crds"] {
				t.Errorf("%s: %s ships monitors but does not depend on prometheus-operator-crds", prof, name)
			}
		}
		if at(component(t, p, "kube-prometheus-stack").Values, "crds.enabled") != false {
			t.Errorf("%s: kube-prometheus-stack installs the CRDs too: two releases would fight over them", prof)
		}
	}
}

// Every image an operator creates pods from is listed, pinned, and none
// is Bitnami's.
func TestPlanOperatorImagesAreListed(t *testing.T) {
	t.Parallel()
	want := map[string][]string{
		"postgresql":            {"ghcr.io/cloudnative-pg/postgresql:"},
		"scylladb":              {"scylladb/scylla:", "scylladb/scylla-manager-agent:"},
		"scylla-manager":        {"scylladb/scylla:", "scylladb/scylla-manager-agent:"},
		"kube-prometheus-stack": {"quay.io/prometheus/prometheus:", "quay.io/prometheus/alertmanager:", "prometheus-config-reloader:"},
		"flux-instance":         {"fluxcd/source-controller:", "fluxcd/kustomize-controller:", "fluxcd/helm-controller:", "fluxcd/notification-controller:"},
	}
	for _, prof := range fullProfiles {
		p := planFor(t, prof)
		for name, prefixes := range want {
			c := component(t, p, name)
			for _, prefix := range prefixes {
				if !slices.ContainsFunc(c.Images, func(s string) bool { return strings.Contains(s, prefix) }) {
					t.Errorf("%s: %s images %v lack %s...", prof, name, c.Images, prefix)
				}
			}
		}
		for _, c := range p.Components {
			for _, img := range c.Images {
				if strings.Contains(img, "bitnami") || strings.HasSuffix(img, ":latest") {
					t.Errorf("%s: %s image %s", prof, c.Name, img)
				}
			}
			if strings.Contains(fmt.Sprint(c.Values), "bitnami") {
				t.Errorf("%s: %s values mention a Bitnami image", prof, c.Name)
			}
		}
	}
}

// README.md's profile paragraph states these numbers.
func TestPlanMatchesTheREADMETable(t *testing.T) {
	t.Parallel()
	want := map[string]map[string]any{
		"dev":  {"redis replicas": 1.0, "postgresql instances": 1.0, "traefik replicas": 1.0, "prometheus retention": "7d", "temporal shards": 4.0},
		"prod": {"redis replicas": 3.0, "postgresql instances": 3.0, "traefik replicas": 3.0, "prometheus retention": "30d", "temporal shards": 512.0},
	}
	for _, prof := range fullProfiles {
		p := planFor(t, prof)
		got := map[string]any{
			"redis replicas":       number(t, at(component(t, p, "redis").Values, "replicas")),
			"postgresql instances": number(t, at(component(t, p, "postgresql").Values, "cluster.instances")),
			"traefik replicas":     number(t, at(component(t, p, "traefik").Values, "deployment.replicas")),
			"prometheus retention": at(component(t, p, "kube-prometheus-stack").Values, "prometheus.prometheusSpec.retention"),
			"temporal shards":      number(t, at(component(t, p, "temporal").Values, "server.config.persistence.numHistoryShards")),
		}
		for k, v := range want[prof] {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v (README.md)", prof, k, got[k], v)
			}
		}
	}
}
