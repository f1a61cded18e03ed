package stack

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var testFS = os.DirFS("testdata/fs")

func load(t *testing.T, opts Options) *Plan {
	t.Helper()
	if opts.FS == nil {
		opts.FS = testFS
	}
	p, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func names(p *Plan) string {
	var out []string
	for _, c := range p.Components {
		out = append(out, c.Name)
	}
	return strings.Join(out, ",")
}

func TestLoadDefaultProfile(t *testing.T) {
	p := load(t, Options{})
	if p.Profile != "dev" || p.Domain != "local" {
		t.Fatalf("profile %q domain %q", p.Profile, p.Domain)
	}
	if got := names(p); got != "ingress,operator,local,db,app" {
		t.Fatalf("order %s", got)
	}
	app, _ := p.Component("app")
	if app.Layer != 2 || !reflect.DeepEqual(app.Hosts, []string{"app.local"}) {
		t.Fatalf("app: layer %d hosts %v", app.Layer, app.Hosts)
	}
	ing, _ := p.Component("ingress")
	if got := ing.Values["ingress"].(map[string]any)["host"]; got != "dashboard.local" {
		t.Fatalf("domain not substituted in values: %v", got)
	}
	loc, _ := p.Component("local")
	if !loc.Chart.Embedded || loc.Chart.Path != "charts/local" {
		t.Fatalf("embedded chart path: %+v", loc.Chart)
	}
	if strings.Join(p.CriticalPath, ",") != "operator,db,app" || p.CriticalSeconds != 150 {
		t.Fatalf("critical path %v %d", p.CriticalPath, p.CriticalSeconds)
	}
	if p.Cluster.Name != "devstack" || p.Cluster.HTTPPort != 80 {
		t.Fatalf("cluster defaults: %+v", p.Cluster)
	}
}

func TestLoadOverlayOrder(t *testing.T) {
	// catalog (10Gi, standard) < prod (3, 20Gi) < user file (5Gi) < --set (4).
	p := load(t, Options{
		Profile: "prod",
		Files:   []string{"testdata/user/valid-overlay.yaml"},
		Sets:    []string{"db.instances=4", "db.labels.team=core"},
	})
	db, _ := p.Component("db")
	want := map[string]any{
		"instances": int64(4),
		"storage":   map[string]any{"size": "5Gi", "class": "standard"},
		"labels":    map[string]any{"team": "core"},
	}
	if !reflect.DeepEqual(db.Values, want) {
		t.Fatalf("db values %#v\nwant %#v", db.Values, want)
	}
	if p.Domain != "test" {
		t.Fatalf("domain %q", p.Domain)
	}
	my, ok := p.Component("myapp")
	if !ok || my.Chart.Embedded {
		t.Fatalf("myapp: %+v", my)
	}
	wantPath, _ := filepath.Abs("testdata/user/charts/myapp")
	if my.Chart.Path != wantPath {
		t.Fatalf("relative chart path resolved to %q, want %q", my.Chart.Path, wantPath)
	}
	app, _ := p.Component("app")
	if app.Hosts[0] != "app.test" {
		t.Fatalf("bare host not put under the domain: %v", app.Hosts)
	}
}

func TestLoadOnly(t *testing.T) {
	if got := names(load(t, Options{Only: []string{"app"}})); got != "ingress,operator,db,app" {
		t.Fatalf("--only app: %s", got)
	}
	if got := names(load(t, Options{Profile: "minimal"})); got != "ingress,operator,local" {
		t.Fatalf("minimal: %s", got)
	}
	_, err := Load(Options{FS: testFS, Only: []string{"nope"}})
	if err == nil || !strings.Contains(err.Error(), `--only: nope: unknown component "nope"`) {
		t.Fatalf("err %v", err)
	}
}

func TestLoadRejectsBadInput(t *testing.T) {
	cases := []struct {
		file string
		want string
	}{
		{"invalid-unknown-field.yaml", "invalid-unknown-field.yaml:5: components[0].valuez: field valuez not found in type Component"},
		{"invalid-wrong-type.yaml", "invalid-wrong-type.yaml:5: components[0].estimatedSeconds: cannot unmarshal !!str `soon` into int"},
		{"invalid-yaml.yaml", "invalid-yaml.yaml:3: did not find expected '-' indicator"},
		{"invalid-unknown-dep.yaml", `invalid-unknown-dep.yaml:7: components[db].dependsOn[1]: unknown dependency "postgres-operator"`},
		{"invalid-duplicate.yaml", `invalid-duplicate.yaml:7: name: duplicate component "extra" in this file`},
		{"invalid-cycle.yaml", "invalid-cycle.yaml:5: components[operator].dependsOn[0]: dependency cycle: operator -> app -> db -> operator"},
		{"invalid-host.yaml", `invalid-host.yaml:5: components[app].hosts[1]: invalid host name "bad_host!.local"`},
		{"invalid-no-version.yaml", "invalid-no-version.yaml:6: components[extra].chart.version: missing chart version"},
		{"invalid-kind.yaml", `invalid-kind.yaml:2: kind: must be "Stack", got "Stak"`},
		{"invalid-immutable.yaml", `invalid-immutable.yaml:7: components[db].immutable[1]: invalid values path "server..shards"`},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			_, err := Load(Options{FS: testFS, Files: []string{filepath.Join("testdata/user", tc.file)}})
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tc.want)
			}
			var coded interface{ ExitCode() int }
			if !errors.As(err, &coded) || coded.ExitCode() != 2 {
				t.Fatalf("error %T does not carry exit code 2", err)
			}
		})
	}
}

func TestLoadRejectsBadSetsAndProfiles(t *testing.T) {
	cases := []struct {
		opts Options
		want string
	}{
		{Options{Sets: []string{"nope.x=1"}}, `--set: nope.x=1: unknown component "nope"`},
		{Options{Sets: []string{"db"}}, "want component.path=value"},
		{Options{Profile: "huge"}, `unknown profile "huge" (available: dev, minimal, prod)`},
		{Options{Files: []string{"testdata/user/missing.yaml"}}, "missing.yaml: cannot read: no such file or directory"},
	}
	for _, tc := range cases {
		tc.opts.FS = testFS
		if _, err := Load(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want %q", tc.opts, err, tc.want)
		}
	}
}

func TestDisableComponent(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "off.yaml")
	os.WriteFile(f, []byte("apiVersion: devstack.dev/v1alpha1\nkind: Stack\ncomponents:\n  - name: app\n    disabled: true\n"), 0o600)
	if got := names(load(t, Options{Files: []string{f}})); strings.Contains(got, "app") {
		t.Fatalf("disabled app still planned: %s", got)
	}
	os.WriteFile(f, []byte("apiVersion: devstack.dev/v1alpha1\nkind: Stack\ncomponents:\n  - name: db\n    disabled: true\n"), 0o600)
	_, err := Load(Options{FS: testFS, Files: []string{f}})
	// app's dependsOn is written in the catalog, so the error points there.
	want := `profiles/catalog/10-apps.yaml:17: components[app].dependsOn[0]: depends on "db", which is disabled`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err %v, want %s", err, want)
	}
}

func TestListProfiles(t *testing.T) {
	got, err := ListProfiles(Options{FS: testFS})
	if err != nil || len(got) != 3 || got[0].Name != "dev" || got[0].Description != "Development" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestImagesMergeAndReachThePlan(t *testing.T) {
	op, _ := load(t, Options{}).Component("operator")
	if want := []string{"ghcr.io/example/db:16.4-standard-trixie"}; !reflect.DeepEqual(op.Images, want) {
		t.Fatalf("catalog images %v, want %v", op.Images, want)
	}
	// A later file's list replaces the catalog's, as every list does.
	op, _ = load(t, Options{Files: []string{"testdata/user/valid-images.yaml"}}).Component("operator")
	want := []string{
		"ghcr.io/example/db:17.7-standard-trixie",
		"docker.io/library/busybox@sha256:2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a",
	}
	if !reflect.DeepEqual(op.Images, want) {
		t.Fatalf("overlaid images %v, want %v", op.Images, want)
	}
}

func TestImmutableReachesThePlan(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "immutable.yaml")
	os.WriteFile(f, []byte("apiVersion: devstack.dev/v1alpha1\nkind: Stack\ncomponents:\n  - name: db\n    immutable: [server.config.shards]\n"), 0o600)
	db, _ := load(t, Options{Files: []string{f}}).Component("db")
	if want := []string{"server.config.shards"}; !reflect.DeepEqual(db.Immutable, want) {
		t.Fatalf("immutable %v, want %v", db.Immutable, want)
	}
}

func TestImagesMustBePinned(t *testing.T) {
	_, err := Load(Options{FS: testFS, Files: []string{"testdata/user/invalid-images.yaml"}})
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err %T %v, want an ErrorList", err, err)
	}
	want := []string{
		`invalid-images.yaml:7: components[operator].images[1]: image "ghcr.io/example/db" has no tag or digest`,
		`invalid-images.yaml:8: components[operator].images[2]: image "ghcr.io/example/db:latest" is tagged latest`,
		`invalid-images.yaml:9: components[operator].images[3]: invalid image reference "Not A Reference"`,
	}
	if len(list) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, w := range want {
		if !strings.Contains(list[i].Error(), w) {
			t.Errorf("error %d:\n%v\nwant it to contain:\n%s", i, list[i], w)
		}
	}
}

func TestCheckImage(t *testing.T) {
	cases := []struct {
		ref  string
		want string // "" when the reference is accepted
	}{
		{"ghcr.io/cloudnative-pg/postgresql:17.7-standard-trixie", ""},
		{"scylladb/scylla:2025.1.5", ""},
		{"quay.io/prometheus/prometheus:v3.8.0@sha256:2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a", ""},
		{"registry:5000/team/app@sha256:2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a", ""},
		{"busybox", "has no tag or digest"},
		{"registry:5000/team/app", "has no tag or digest"},
		{"busybox:latest", "is tagged latest"},
		{"busybox:latest@sha256:2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a2a2e2a", "is tagged latest"},
		{"", "invalid image reference"},
		{"Busybox:1.37", "invalid image reference"},
	}
	for _, tc := range cases {
		got := checkImage(tc.ref)
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("checkImage(%q) = %q, want %q", tc.ref, got, tc.want)
		}
	}
}
