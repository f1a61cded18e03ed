package helm

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// decode reads a YAML object as the API client does (integers as int64).
func decode(t *testing.T, doc string, into any) {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := into.(*unstructured.Unstructured); ok {
		if err := u.UnmarshalJSON(js); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := yaml.Unmarshal(js, into); err != nil {
		t.Fatal(err)
	}
}

func TestPodReadySince(t *testing.T) {
	started := time.Date(2026, 12, 2, 1, 0, 0, 500_000_000, time.UTC)
	since := map[string]time.Time{"node-a": started}
	cases := []struct {
		Name string
		Pod  string
		Want bool
	}{
		{Name: "ready before the node started", Want: false, Pod: `
spec: {nodeName: node-a}
status:
  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-12-02T00:10:00Z"}]
  containerStatuses: [{name: app, ready: true, state: {running: {startedAt: "2026-12-02T00:09:58Z"}}}]`},
		{Name: "re-reported ready after the start", Want: true, Pod: `
spec: {nodeName: node-a}
status:
  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-12-02T01:00:07Z"}]`},
		// Whole seconds: a condition in the start's own second counts.
		{Name: "ready in the second the node started", Want: true, Pod: `
spec: {nodeName: node-a}
status:
  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-12-02T01:00:00Z"}]`},
		// The restarted kubelet found the containers running at its first
		// sync and kept the condition's old time: the restart shows in the
		// containers' start.
		{Name: "old condition, containers restarted since", Want: true, Pod: `
spec: {nodeName: node-a}
status:
  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-12-02T00:10:00Z"}]
  containerStatuses:
  - {name: app, ready: true, restartCount: 1, state: {running: {startedAt: "2026-12-02T01:00:03Z"}}}
  - {name: sidecar, ready: true, restartCount: 1, state: {running: {startedAt: "2026-12-02T01:00:04Z"}}}`},
		{Name: "old condition, one container not restarted", Want: false, Pod: `
spec: {nodeName: node-a}
status:
  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-12-02T00:10:00Z"}]
  containerStatuses:
  - {name: app, ready: true, state: {running: {startedAt: "2026-12-02T01:00:03Z"}}}
  - {name: sidecar, ready: true, state: {running: {startedAt: "2026-12-02T00:09:00Z"}}}`},
		{Name: "not ready", Want: false, Pod: `
spec: {nodeName: node-a}
status:
  conditions: [{type: Ready, status: "False", lastTransitionTime: "2026-12-02T01:00:07Z"}]`},
		{Name: "node not listed", Want: true, Pod: `
spec: {nodeName: node-b}
status:
  conditions: [{type: Ready, status: "True", lastTransitionTime: "2026-12-02T00:10:00Z"}]`},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var p corev1.Pod
			decode(t, tc.Pod, &p)
			if got := podReadySince(&p, since); got != tc.Want {
				t.Errorf("podReadySince = %v, want %v", got, tc.Want)
			}
		})
	}
}

func TestWorkloadReadySince(t *testing.T) {
	since := map[string]time.Time{"node-a": time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)}
	pod := func(name, app, ltt string, deleting bool) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": app}},
			Spec: corev1.PodSpec{NodeName: "node-a"}}
		tm, _ := time.Parse(time.RFC3339, ltt)
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(tm)}}
		if deleting {
			now := metav1.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	const fresh, stale = "2026-12-02T01:00:05Z", "2026-12-02T00:30:00Z"
	cases := []struct {
		Name    string
		Object  string
		Pods    []corev1.Pod
		Ready   bool
		Waiting string
	}{
		{Name: "deployment with fresh pods", Ready: true,
			Object: `{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 2, selector: {matchLabels: {app: web}}}}`,
			Pods:   []corev1.Pod{pod("web-1", "web", fresh, false), pod("web-2", "web", fresh, false), pod("other", "db", stale, false)}},
		{Name: "deployment whose status counts a stale pod", Waiting: "deployment/web 1/2 ready since its node started",
			Object: `{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 2, selector: {matchLabels: {app: web}}}}`,
			Pods:   []corev1.Pod{pod("web-1", "web", fresh, false), pod("web-2", "web", stale, false)}},
		{Name: "a terminating pod does not count", Waiting: "deployment/web 1/2",
			Object: `{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 2, selector: {matchLabels: {app: web}}}}`,
			Pods:   []corev1.Pod{pod("web-1", "web", fresh, false), pod("web-2", "web", fresh, true)}},
		{Name: "statefulset defaults to one replica", Waiting: "statefulset/db 0/1",
			Object: `{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db}, spec: {selector: {matchExpressions: [{key: app, operator: In, values: [db]}]}}}`,
			Pods:   []corev1.Pod{pod("db-0", "db", stale, false)}},
		{Name: "daemonset wants its desired number", Ready: true,
			Object: `{apiVersion: apps/v1, kind: DaemonSet, metadata: {name: agent}, spec: {selector: {matchLabels: {app: agent}}}, status: {desiredNumberScheduled: 1}}`,
			Pods:   []corev1.Pod{pod("agent-x", "agent", fresh, false)}},
		{Name: "scaled to zero", Ready: true,
			Object: `{apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {replicas: 0, selector: {matchLabels: {app: web}}}}`},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var obj unstructured.Unstructured
			decode(t, tc.Object, &obj)
			r := workloadReadySince(&obj, tc.Pods, since)
			if r.Failed != nil || r.Ready != tc.Ready || !strings.Contains(r.Waiting, tc.Waiting) {
				t.Errorf("got %+v, want ready %v waiting %q", r, tc.Ready, tc.Waiting)
			}
		})
	}
}

func TestClaimState(t *testing.T) {
	wffc, immediate := storagev1.VolumeBindingWaitForFirstConsumer, storagev1.VolumeBindingImmediate
	local := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "local"}, Provisioner: "rancher.io/local-path", VolumeBindingMode: &wffc}
	fast := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "ebs.csi.aws.com", VolumeBindingMode: &immediate}
	scheduled := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-0"}, Spec: corev1.PodSpec{NodeName: "node-a"}}
	unscheduled := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-0"}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Message: "0/1 nodes are available: 1 Insufficient memory."}}}}
	cases := []struct {
		Name    string
		Claim   string
		In      claimInputs
		Ready   bool
		Waiting string
		Failed  string
	}{
		{Name: "bound", Ready: true, Claim: `{metadata: {name: data}, spec: {storageClassName: local}, status: {phase: Bound}}`},
		{Name: "first consumer, no pod yet", Ready: true, In: claimInputs{class: local},
			Claim: `{metadata: {name: data}, spec: {storageClassName: local}, status: {phase: Pending}}`},
		{Name: "first consumer, pod scheduled", Ready: true, In: claimInputs{class: local, consumers: []corev1.Pod{scheduled}},
			Claim: `{metadata: {name: data-db-0}, spec: {storageClassName: local}, status: {phase: Pending}}`},
		{Name: "first consumer, pod not scheduled", In: claimInputs{class: local, consumers: []corev1.Pod{unscheduled}},
			Claim:   `{metadata: {name: data-db-0}, spec: {storageClassName: local}, status: {phase: Pending}}`,
			Waiting: "pvc/data-db-0 Pending (storage class local binds at first consumer; pod/db-0 not scheduled yet: pod/db-0: Pending: 0/1 nodes are available: 1 Insufficient memory.)"},
		{Name: "immediate, not bound", In: claimInputs{class: fast},
			Claim: `{metadata: {name: data}, spec: {storageClassName: fast}, status: {phase: Pending}}`, Waiting: "pvc/data Pending (storage class fast, provisioner ebs.csi.aws.com)"},
		{Name: "class missing", In: claimInputs{classMissing: true},
			Claim: `{metadata: {name: data}, spec: {storageClassName: standard}, status: {phase: Pending}}`, Waiting: `pvc/data Pending: storage class "standard" does not exist`},
		{Name: "no class", Claim: `{metadata: {name: data}, spec: {storageClassName: ""}, status: {phase: Pending}}`,
			Waiting: "pvc/data Pending (no storage class: waiting for a matching PersistentVolume)"},
		{Name: "lost", Claim: `{metadata: {name: data}, spec: {volumeName: pv-1}, status: {phase: Lost}}`, Failed: `pvc/data is Lost: its PersistentVolume "pv-1" is gone`},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var pvc corev1.PersistentVolumeClaim
			decode(t, tc.Claim, &pvc)
			r := claimState(&pvc, tc.In)
			switch {
			case tc.Failed != "":
				if r.Failed == nil || !strings.Contains(r.Failed.Error(), tc.Failed) {
					t.Fatalf("failed = %v, want %q", r.Failed, tc.Failed)
				}
			case r.Failed != nil || r.Ready != tc.Ready || r.Waiting != tc.Waiting:
				t.Fatalf("got %+v, want ready %v waiting %q", r, tc.Ready, tc.Waiting)
			}
		})
	}
}

func TestStatefulSetClaimNames(t *testing.T) {
	var obj unstructured.Unstructured
	decode(t, `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  replicas: 2
  ordinals: {start: 1}
  volumeClaimTemplates: [{metadata: {name: data}}, {metadata: {name: wal}}]`, &obj)
	got := strings.Join(statefulSetClaimNames(&obj), " ")
	if want := "data-pg-1 data-pg-2 wal-pg-1 wal-pg-2"; got != want {
		t.Errorf("claims = %q, want %q", got, want)
	}
}

func TestConsumersOf(t *testing.T) {
	pods := []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Spec: corev1.PodSpec{Volumes: []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Spec: corev1.PodSpec{Volumes: []corev1.Volume{{Name: "d", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}}},
	}
	if got := consumersOf(pods, "data"); len(got) != 1 || got[0].Name != "a" {
		t.Errorf("consumers = %v, want pod a", got)
	}
}
