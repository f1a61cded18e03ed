package profiles

import (
	"io/fs"
	"sort"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"
)

// renderedObject is the part of a manifest the assertions look at.
type renderedObject struct {
	Kind     string `json:"kind"`
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec map[string]any `json:"spec"`
}

// renderChart renders c as a fresh install of release name in namespace ns
// with user values vals (schema validation included, as at install).
func renderChart(c *chart.Chart, name, ns string, vals map[string]any) ([]renderedObject, error) {
	rv, err := chartutil.ToRenderValues(c, vals, chartutil.ReleaseOptions{
		Name: name, Namespace: ns, Revision: 1, IsInstall: true,
	}, chartutil.DefaultCapabilities)
	if err != nil {
		return nil, err
	}
	out, err := engine.Render(c, rv)
	if err != nil {
		return nil, err
	}
	var objs []renderedObject
	for file, text := range out {
		if strings.HasSuffix(file, "NOTES.txt") {
			continue
		}
		for _, doc := range releaseutil.SplitManifests(text) {
			var o renderedObject
			if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
				return nil, err
			}
			if o.Kind != "" {
				objs = append(objs, o)
			}
		}
	}
	sort.Slice(objs, func(i, j int) bool { return objs[i].Kind < objs[j].Kind })
	return objs, nil
}

// catalogValues returns the values the catalog file gives component name,
// with ${domain} replaced in its strings as the loader does.
func catalogValues(t *testing.T, file, name, domain string) map[string]any {
	t.Helper()
	data, err := fs.ReadFile(FS, file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components []struct {
			Name   string         `json:"name"`
			Values map[string]any `json:"values"`
		} `json:"components"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, c := range doc.Components {
		if c.Name == name {
			vals, _ := substitute(c.Values, "${domain}", domain).(map[string]any)
			return vals
		}
	}
	t.Fatalf("%s has no component %q", file, name)
	return nil
}

// substitute replaces old with new in every string of v, as the loader does
// for ${domain} in component values.
func substitute(v any, old, new string) any {
	switch x := v.(type) {
	case string:
		return strings.ReplaceAll(x, old, new)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, old, new)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, old, new)
		}
		return out
	}
	return v
}

func kinds(objs []renderedObject) []string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Kind)
	}
	return ks
}

func find(objs []renderedObject, kind string) (renderedObject, bool) {
	for _, o := range objs {
		if o.Kind == kind {
			return o, true
		}
	}
	return renderedObject{}, false
}

// dig walks nested maps and lists ("containers.0.env") in a decoded object.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		switch m := v.(type) {
		case map[string]any:
			v = m[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(m) {
				return nil
			}
			v = m[i]
		default:
			return nil
		}
	}
	return v
}

// envOf returns the first container's environment as name -> value (or
// "secret:<name>/<key>" for secret references).
func envOf(d renderedObject) map[string]string {
	env := map[string]string{}
	list, _ := dig(d.Spec, "template", "spec", "containers", "0", "env").([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		name, _ := m["name"].(string)
		if v, ok := m["value"].(string); ok {
			env[name] = v
			continue
		}
		sec, _ := dig(m, "valueFrom", "secretKeyRef", "name").(string)
		key, _ := dig(m, "valueFrom", "secretKeyRef", "key").(string)
		env[name] = "secret:" + sec + "/" + key
	}
	return env
}

func TestRedisInsightChartRenders(t *testing.T) {
	t.Parallel()
	c := loadChart(t, "redisinsight")
	if c.Metadata.AppVersion == "" {
		t.Fatal("Chart.yaml has no appVersion: the image tag defaults to it")
	}

	cases := []struct {
		Name        string
		Values      map[string]any
		ExpectError string
		Kinds       []string
		Check       func(t *testing.T, objs []renderedObject)
	}{
		{
			Name:  "chart defaults",
			Kinds: []string{"Deployment", "PersistentVolumeClaim", "Service"},
			Check: func(t *testing.T, objs []renderedObject) {
				d, _ := find(objs, "Deployment")
				env := envOf(d)
				if _, ok := env["RI_REDIS_HOST"]; ok {
					t.Errorf("no Redis host configured, yet RI_REDIS_HOST = %q", env["RI_REDIS_HOST"])
				}
				if img := dig(d.Spec, "template", "spec", "containers", "0", "image"); img != "redis/redisinsight:"+c.Metadata.AppVersion {
					t.Errorf("image = %v, want the appVersion tag", img)
				}
				if dig(d.Spec, "template", "spec", "enableServiceLinks") != false {
					t.Error("service links must be off: they inject REDIS_* variables")
				}
			},
		},
		{
			Name:   "catalog values for the dev profile",
			Values: catalogValues(t, "catalog/30-apps.yaml", "redisinsight", "local"),
			Kinds:  []string{"Deployment", "Ingress", "PersistentVolumeClaim", "Service"},
			Check: func(t *testing.T, objs []renderedObject) {
				ing, _ := find(objs, "Ingress")
				if got := dig(ing.Spec, "ingressClassName"); got != "traefik" {
					t.Errorf("ingressClassName = %v, want traefik", got)
				}
				if got := dig(ing.Spec, "rules", "0", "host"); got != "redisinsight.local" {
					t.Errorf("ingress host = %v, want redisinsight.local", got)
				}
				if got := dig(ing.Spec, "rules", "0", "http", "paths", "0", "backend", "service", "name"); got != "redisinsight" {
					t.Errorf("ingress backend = %v, want service redisinsight", got)
				}
				d, _ := find(objs, "Deployment")
				env := envOf(d)
				want := map[string]string{"RI_REDIS_HOST": "redis-haproxy.data.svc", "RI_REDIS_PORT": "6379", "RI_APP_PORT": "5540"}
				for k, v := range want {
					if env[k] != v {
						t.Errorf("env %s = %q, want %q", k, env[k], v)
					}
				}
				if got := dig(d.Spec, "template", "spec", "volumes", "0", "persistentVolumeClaim", "claimName"); got != "redisinsight" {
					t.Errorf("data volume claim = %v, want redisinsight", got)
				}
			},
		},
		{
			Name: "password from a secret, no volume",
			Values: map[string]any{
				"redis":       map[string]any{"host": "redis", "existingSecret": "redis-auth", "passwordKey": "auth"},
				"persistence": map[string]any{"enabled": false},
			},
			Kinds: []string{"Deployment", "Service"},
			Check: func(t *testing.T, objs []renderedObject) {
				d, _ := find(objs, "Deployment")
				if got := envOf(d)["RI_REDIS_PASSWORD"]; got != "secret:redis-auth/auth" {
					t.Errorf("RI_REDIS_PASSWORD = %q, want secret:redis-auth/auth", got)
				}
				if dig(d.Spec, "template", "spec", "volumes", "0", "emptyDir") == nil {
					t.Error("without persistence the data volume must be an emptyDir")
				}
			},
		},
		{
			Name:        "a misspelt key is rejected by the schema",
			Values:      map[string]any{"ingres": map[string]any{"enabled": true}},
			ExpectError: "ingres",
		},
		{
			Name:        "ingress without a host",
			Values:      map[string]any{"ingress": map[string]any{"enabled": true}},
			ExpectError: "ingress.host is required",
		},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			objs, err := renderChart(c, "redisinsight", "data", tc.Values)
			if tc.ExpectError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.ExpectError) {
					t.Fatalf("error = %v, want one mentioning %q", err, tc.ExpectError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(kinds(objs), ","); got != strings.Join(tc.Kinds, ",") {
				t.Fatalf("kinds = %s, want %s", got, strings.Join(tc.Kinds, ","))
			}
			for _, o := range objs {
				if o.Metadata.Name != "redisinsight" {
					t.Errorf("%s is named %q, want the release name", o.Kind, o.Metadata.Name)
				}
			}
			if tc.Check != nil {
				tc.Check(t, objs)
			}
		})
	}
}
