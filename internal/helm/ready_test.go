package helm

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		Name      string
		Object    string
		Condition string
		Ready     bool
		Waiting   string // substring
		Failed    string // substring
	}{
		{Name: "deployment ready", Object: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana, generation: 2}
spec: {replicas: 1}
status: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1}`, Ready: true},
		{Name: "deployment not available", Object: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana, generation: 1}
spec: {replicas: 1}
status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1}`, Waiting: "deployment/grafana 0/1 ready"},
		{Name: "deployment generation not observed", Object: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: grafana, generation: 3}
spec: {replicas: 1}
status: {observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1}`, Waiting: "deployment/grafana"},
		{Name: "deployment old replica still there", Object: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, generation: 2}
spec: {replicas: 1}
status: {observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1}`, Waiting: "deployment/web 0/1 ready (rolling out, 1 old pod(s) still serving)"},
		{Name: "statefulset partly ready", Object: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, generation: 1}
spec: {replicas: 3}
status: {observedGeneration: 1, replicas: 3, readyReplicas: 1}`, Waiting: "statefulset/redis 1/3 ready"},
		{Name: "statefulset ready", Object: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, generation: 1}
spec: {replicas: 1, updateStrategy: {type: RollingUpdate}}
status: {observedGeneration: 1, replicas: 1, readyReplicas: 1, updatedReplicas: 1, currentRevision: a, updateRevision: a}`, Ready: true},
		{Name: "daemonset", Object: `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: promtail, generation: 1}
status: {observedGeneration: 1, desiredNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 1}`, Waiting: "daemonset/promtail 1/2 ready"},
		{Name: "job complete", Object: `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
status: {succeeded: 1, conditions: [{type: Complete, status: "True"}]}`, Ready: true},
		{Name: "job failed", Object: `
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
status: {conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded, message: Job has reached the specified backoff limit}]}`, Failed: "job/migrate failed: BackoffLimitExceeded"},
		{Name: "crd established", Object: `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clusters.postgresql.cnpg.io}
status: {conditions: [{type: NamesAccepted, status: "True"}, {type: Established, status: "True"}]}`, Ready: true},
		{Name: "crd not established", Object: `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: clusters.postgresql.cnpg.io}`, Waiting: "crd/clusters.postgresql.cnpg.io not established"},
		{Name: "custom resource ready", Condition: "Ready", Object: `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg, generation: 1}
status: {conditions: [{type: Ready, status: "True", observedGeneration: 1}]}`, Ready: true},
		{Name: "custom resource not ready", Condition: "Ready", Object: `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata: {name: pg}
status: {conditions: [{type: Ready, status: "False", reason: ClusterIsNotReady}]}`, Waiting: "cluster/pg Ready=False (ClusterIsNotReady)"},
		{Name: "custom resource stale condition", Condition: "Ready", Object: `
apiVersion: scylla.scylladb.com/v1
kind: ScyllaCluster
metadata: {name: scylla, generation: 2}
status: {conditions: [{type: Ready, status: "True", observedGeneration: 1}]}`, Waiting: "scyllacluster/scylla waiting for condition Ready"},
		{Name: "custom resource without status", Condition: "Available", Object: `
apiVersion: example.com/v1
kind: Thing
metadata: {name: t}`, Waiting: "thing/t waiting for condition Available"},
		// kind gives a LoadBalancer no address: waiting for one would never end.
		{Name: "loadbalancer service without an address", Object: `
apiVersion: v1
kind: Service
metadata: {name: traefik}
spec: {type: LoadBalancer, ports: [{port: 80}]}
status: {loadBalancer: {}}`, Ready: true},
		{Name: "configmap", Object: `
apiVersion: v1
kind: ConfigMap
metadata: {name: c}`, Ready: true},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			// Decoded as the API client does: integers are int64.
			js, err := yaml.YAMLToJSON([]byte(tc.Object))
			if err != nil {
				t.Fatal(err)
			}
			var obj unstructured.Unstructured
			if err := obj.UnmarshalJSON(js); err != nil {
				t.Fatal(err)
			}
			r := check(&obj, tc.Condition)
			switch {
			case tc.Failed != "":
				if r.Failed == nil || !strings.Contains(r.Failed.Error(), tc.Failed) {
					t.Fatalf("failed = %v, want %q", r.Failed, tc.Failed)
				}
			case r.Failed != nil:
				t.Fatalf("unexpected failure %v", r.Failed)
			case r.Ready != tc.Ready:
				t.Fatalf("ready = %v (waiting %q), want %v", r.Ready, r.Waiting, tc.Ready)
			case !tc.Ready && !strings.Contains(r.Waiting, tc.Waiting):
				t.Fatalf("waiting = %q, want it to contain %q", r.Waiting, tc.Waiting)
			}
		})
	}
}
