package helm

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

func TestPodProblem(t *testing.T) {
	cases := []struct {
		Name string
		Pod  string
		Want string // substring; "" means healthy
	}{
		{Name: "image pull", Pod: `
metadata: {name: grafana-1}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "True"}, {type: Ready, status: "False"}]
  containerStatuses:
  - name: grafana
    state: {waiting: {reason: ImagePullBackOff, message: 'Back-off pulling image "grafana:nope"'}}`,
			Want: `pod/grafana-1: container grafana: ImagePullBackOff: Back-off pulling image "grafana:nope"`},
		{Name: "crash loop", Pod: `
metadata: {name: n8n-1}
status:
  phase: Running
  conditions: [{type: PodScheduled, status: "True"}, {type: Ready, status: "False"}]
  containerStatuses:
  - name: n8n
    state: {waiting: {reason: CrashLoopBackOff, message: back-off 40s restarting failed container}}
    lastState: {terminated: {exitCode: 1, reason: Error}}`,
			Want: "pod/n8n-1: container n8n: CrashLoopBackOff: back-off 40s restarting failed container (last exit code 1, Error)"},
		{Name: "unschedulable", Pod: `
metadata: {name: pg-1}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable, message: "0/1 nodes are available: 1 Insufficient memory."}]`,
			Want: "pod/pg-1: Pending: 0/1 nodes are available: 1 Insufficient memory."},
		{Name: "init container", Pod: `
metadata: {name: loki-0}
status:
  phase: Pending
  initContainerStatuses:
  - name: init
    state: {waiting: {reason: CreateContainerConfigError, message: secret "x" not found}}
  containerStatuses:
  - name: loki
    state: {waiting: {reason: PodInitializing}}`,
			Want: `container init: CreateContainerConfigError: secret "x" not found`},
		{Name: "readiness probe", Pod: `
metadata: {name: redis-0}
status:
  phase: Running
  conditions: [{type: PodScheduled, status: "True"}, {type: Ready, status: "False", reason: ContainersNotReady}]
  containerStatuses:
  - name: redis
    state: {running: {}}`,
			Want: "pod/redis-0: not ready (ContainersNotReady)"},
		{Name: "healthy", Pod: `
metadata: {name: ok}
status:
  phase: Running
  conditions: [{type: PodScheduled, status: "True"}, {type: Ready, status: "True"}]
  containerStatuses:
  - name: c
    state: {running: {}}`},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			var p corev1.Pod
			if err := yaml.Unmarshal([]byte(tc.Pod), &p); err != nil {
				t.Fatal(err)
			}
			got := podProblem(&p)
			if tc.Want == "" && got != "" || !strings.Contains(got, tc.Want) {
				t.Fatalf("podProblem = %q, want %q", got, tc.Want)
			}
		})
	}
}
