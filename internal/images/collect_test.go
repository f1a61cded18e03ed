package images

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func loadObjects(t *testing.T, file string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []*unstructured.Unstructured
	for _, doc := range strings.Split(string(data), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if len(m) > 0 {
			out = append(out, &unstructured.Unstructured{Object: m})
		}
	}
	return out
}

func TestContainersOfEveryWorkloadKind(t *testing.T) {
	got := map[string][]Container{}
	for _, o := range loadObjects(t, "testdata/workloads.yaml") {
		if cs := Containers(o); cs != nil {
			got[o.GetKind()+"/"+o.GetName()] = cs
		}
	}
	want := map[string][]Container{
		"Pod/pod": {
			{"spec.initContainers[0].image", "init", "busybox:1.37.0", "Never"},
			{"spec.containers[0].image", "main", "nginx:1.27.3", ""},
			{"spec.ephemeralContainers[0].image", "debug", "docker.io/library/busybox:1.37.0", "IfNotPresent"},
		},
		"Deployment/deploy": {
			{"spec.template.spec.containers[0].image", "app", "ghcr.io/example/app:v1.2.3", ""},
			{"spec.template.spec.containers[1].image", "sidecar", "nginx:1.27.3", ""},
		},
		"StatefulSet/sts": {
			{"spec.template.spec.initContainers[0].image", "init", "quay.io/example/init:0.1.0", ""},
			{"spec.template.spec.containers[0].image", "db", "ghcr.io/example/db:16", ""},
		},
		"DaemonSet/ds":             {{"spec.template.spec.containers[0].image", "agent", "grafana/alloy:v1.8.0", ""}},
		"ReplicaSet/rs":            {{"spec.template.spec.containers[0].image", "app", "registry.k8s.io/pause:3.10", ""}},
		"ReplicationController/rc": {{"spec.template.spec.containers[0].image", "app", "example/rc:2.0.0", ""}},
		"Job/job":                  {{"spec.template.spec.containers[0].image", "migrate", "ghcr.io/example/app:v1.2.3", ""}},
		"CronJob/cron":             {{"spec.jobTemplate.spec.template.spec.containers[0].image", "backup", "example/backup", ""}},
		"Pod/local":                {{"spec.containers[0].image", "local", "example/local-only:dev", "Never"}},
		"PodTemplate/tpl":          {{"template.spec.containers[0].image", "t", "example/tpl:1.0.0", ""}},
		"Deployment/broken": {
			{"spec.template.spec.containers[0].image", "bad", "Example/Upper:1.0", ""},
			{"spec.template.spec.containers[1].image", "empty", "", ""},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%v\nwant\n%v", got, want)
	}
}

func TestSetDeduplicatesAndOrders(t *testing.T) {
	var s Set
	for _, o := range loadObjects(t, "testdata/workloads.yaml") {
		s.AddObject("web", "web-ns", "web/templates/all.yaml", o)
	}
	s.AddDeclared("db", []string{"ghcr.io/example/db:16", "nginx:1.27.3", "docker.io/library/nginx:1.27.3"})

	var refs []string
	for _, img := range s.Images() {
		refs = append(refs, img.Reference)
	}
	want := []string{
		"docker.io/example/backup",
		"docker.io/example/local-only:dev",
		"docker.io/example/rc:2.0.0",
		"docker.io/example/tpl:1.0.0",
		"docker.io/grafana/alloy:v1.8.0",
		"docker.io/library/busybox:1.37.0",
		"docker.io/library/nginx:1.27.3",
		"ghcr.io/example/app:v1.2.3",
		"ghcr.io/example/db:16",
		"quay.io/example/init:0.1.0",
		"registry.k8s.io/pause:3.10",
	}
	if !reflect.DeepEqual(refs, want) {
		t.Errorf("images\n%v\nwant\n%v", refs, want)
	}
	for _, img := range s.Images() {
		switch img.Reference {
		case "docker.io/library/nginx:1.27.3":
			if !reflect.DeepEqual(img.Components, []string{"db", "web"}) || len(img.Uses) != 4 {
				t.Errorf("nginx: components %v, %d uses, want db and web, 4 uses", img.Components, len(img.Uses))
			}
		case "docker.io/library/busybox:1.37.0":
			wantUse := Use{Component: "web", Object: "Pod apps/pod", Template: "web/templates/all.yaml", Field: "spec.initContainers[0].image", Container: "init", PullPolicy: "Never"}
			if img.Uses[0] != wantUse || len(img.Uses) != 2 || !img.Pulled() {
				t.Errorf("busybox uses %+v", img.Uses)
			}
		case "docker.io/example/local-only:dev":
			if img.Pulled() {
				t.Error("an image whose only use has imagePullPolicy Never is pulled")
			}
		case "quay.io/example/init:0.1.0":
			if !img.Pulled() {
				t.Error("an image with the default pull policy is pulled")
			}
		}
	}
	db := s.Of("db")
	if len(db) != 2 || db[0].Reference != "docker.io/library/nginx:1.27.3" || len(db[0].Uses) != 2 || db[0].Uses[0].Object != DeclaredObject {
		t.Errorf("Of(db) = %+v", db)
	}
	inv := s.Invalid()
	if len(inv) != 2 || inv[0].Value != "Example/Upper:1.0" || inv[1].Value != "" || inv[1].Use.Container != "empty" {
		t.Errorf("invalid %+v", inv)
	}
}
