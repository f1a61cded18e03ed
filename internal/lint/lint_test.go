package lint

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/helm"
	"github.com/devstack-dev/devstack/internal/stack"
	"github.com/devstack-dev/devstack/profiles"
)

// offline fails every download: the tests render local charts only.
type offline struct{}

func (offline) RoundTrip(req *http.Request) (*http.Response, error) {
	return nil, errors.New("offline test: " + req.URL.String())
}

func newRenderer(t *testing.T) *helm.Renderer {
	t.Helper()
	r, err := helm.NewRenderer(helm.RenderOptions{ChartFS: profiles.FS, CacheDir: t.TempDir(), HTTPClient: &http.Client{Transport: offline{}}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func lintProfile(t *testing.T, profile string) *Report {
	t.Helper()
	p, err := stack.Load(stack.Options{FS: profiles.FS, Profile: profile})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), p, Options{Renderer: newRenderer(t)})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// short is a finding reduced to what the table asserts.
func short(f Finding) string {
	return string(f.Severity) + " " + f.Check + " " + f.Field
}

// Each component of testdata/profiles/defects.yaml exhibits one defect;
// "good" and the two it depends on have none.
func TestLintFindsEachDefect(t *testing.T) {
	rep := lintProfile(t, "testdata/profiles/defects.yaml")
	want := map[string][]string{
		"controller":      nil,
		"monitoring-crds": nil,
		"good":            nil,
		"unread":          {"error values replicaCount"},
		"nocrds":          {"error values metrics.enabled"},
		"latest":          {"error image spec.template.spec.containers[0].image"},
		"moving":          {"warning image spec.template.spec.containers[0].image"},
		"withdrawn":       {"error image spec.template.spec.containers[0].image"},
		"wrongclass":      {"error ingress spec.ingressClassName"},
		"wronghost":       {"error ingress spec.rules[0].host", "warning ingress hosts"},
		"lostmonitor":     {"error monitor spec.selector"},
		"wrongport":       {"error monitor spec.endpoints[0].port"},
	}
	got := map[string][]string{}
	for _, c := range rep.Components {
		var fs []string
		for _, f := range c.Findings {
			fs = append(fs, short(f))
		}
		got[c.Name] = fs
		if c.Chart == "" || c.ValueKeys != len(leaves(deepCopy(planValues(t, c.Name)))) {
			t.Errorf("%s: chart %q, %d keys checked", c.Name, c.Chart, c.ValueKeys)
		}
	}
	if !reflect.DeepEqual(got, want) {
		for name := range want {
			if !reflect.DeepEqual(got[name], want[name]) {
				t.Errorf("%s: findings %q, want %q", name, got[name], want[name])
			}
		}
	}
	if rep.Errors != 8 || rep.Warnings != 2 || !rep.Failed() {
		t.Errorf("%d errors, %d warnings", rep.Errors, rep.Warnings)
	}

	byName := map[string]Component{}
	for _, c := range rep.Components {
		byName[c.Name] = c
	}
	// The messages name what is wrong.
	for name, wantMsg := range map[string]string{
		"unread":      "set to 3, but no template of app 0.3.0 reads it",
		"latest":      "registry.example/app:latest: tagged latest",
		"withdrawn":   "Bitnami withdrew",
		"moving":      `tag "16" moves`,
		"wrongclass":  `ingress class "nginx" is not the plan's: controller serves [traefik]`,
		"wronghost":   `host "elsewhere.lint.test" is not among the component's hosts [wronghost.lint.test]`,
		"lostmonitor": "selector app=nobody matches no Service in namespace apps",
		"wrongport":   `port "prometheus" is not a named port of the selected Service apps/wrongport`,
	} {
		if msg := byName[name].Findings[0].Message; !strings.Contains(msg, wantMsg) {
			t.Errorf("%s: message %q, want it to say %q", name, msg, wantMsg)
		}
	}
	if st := byName["good"].Status; st != StatusOK {
		t.Errorf("good: status %s", st)
	}
	if st := byName["moving"].Status; st != StatusWarnings {
		t.Errorf("moving: status %s", st)
	}
	if st := byName["latest"].Status; st != StatusErrors {
		t.Errorf("latest: status %s", st)
	}
	imgs := byName["latest"].Images
	if len(imgs) != 1 || imgs[0].Reference != "registry.example/app:latest" || !reflect.DeepEqual(imgs[0].Problems, []string{"latest"}) {
		t.Errorf("latest: images %+v", imgs)
	}
	// The generated password differs on every render; it must not make
	// good's keys look read or unread: each of its keys was checked.
	if g := byName["good"]; g.Renders < g.ValueKeys {
		t.Errorf("good: %d renders for %d keys", g.Renders, g.ValueKeys)
	}
}

func planValues(t *testing.T, name string) map[string]any {
	t.Helper()
	p, err := stack.Load(stack.Options{FS: profiles.FS, Profile: "testdata/profiles/defects.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := p.Component(name)
	return c.Values
}

func TestLintValuesBudget(t *testing.T) {
	p, err := stack.Load(stack.Options{FS: profiles.FS, Profile: "testdata/profiles/defects.yaml", Only: []string{"good"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), p, Options{Renderer: newRenderer(t), MaxRenders: 3, Concurrency: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Components {
		if c.Name != "good" {
			continue
		}
		if c.Renders != 3 || len(c.Findings) != 1 || c.Findings[0].Severity != Warning || !strings.Contains(c.Findings[0].Message, "not checked") {
			t.Errorf("good with a budget of 3: %d renders, findings %+v", c.Renders, c.Findings)
		}
	}
}

// The local charts devstack embeds lint clean with each profile's values.
// Their remote dependencies cannot be rendered offline, so each is linted
// alone (what it gates on others' CRDs then stays off).
func TestLintEmbeddedCharts(t *testing.T) {
	for _, profile := range []string{"dev", "prod", "minimal"} {
		p, err := stack.Load(stack.Options{FS: profiles.FS, Profile: profile})
		if err != nil {
			t.Fatal(err)
		}
		local := *p
		local.Components = nil
		for _, c := range p.Components {
			if c.Chart != nil && c.Chart.Embedded {
				c.DependsOn = nil
				local.Components = append(local.Components, c)
			}
		}
		rep, err := Run(context.Background(), &local, Options{Renderer: newRenderer(t)})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range rep.Components {
			for _, f := range c.Findings {
				// The plan's ingress controller (traefik) is remote.
				if f.Severity == Error {
					t.Errorf("%s/%s: %s %s %s: %s", profile, c.Name, f.Check, f.Object, f.Field, f.Message)
				}
			}
			if c.ValueKeys == 0 {
				t.Errorf("%s/%s: no values checked", profile, c.Name)
			}
		}
	}
}

// The end-to-end test profile lints without an error.
func TestLintE2EProfile(t *testing.T) {
	rep := lintProfile(t, "../../test/e2e/testdata/profiles/e2e.yaml")
	var names []string
	for _, c := range rep.Components {
		names = append(names, c.Name)
		for _, f := range c.Findings {
			if f.Severity == Error {
				t.Errorf("%s: %s %s %s: %s", c.Name, f.Check, f.Object, f.Field, f.Message)
			}
		}
	}
	sort.Strings(names)
	if want := []string{"crd-consumer", "crd-provider", "echo", "ingress"}; !reflect.DeepEqual(names, want) {
		t.Errorf("components %v, want %v", names, want)
	}
}
