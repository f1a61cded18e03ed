package kind

import (
	"testing"

	"github.com/devstack-dev/devstack/internal/event"
)

// TestStepLogger replays what kind v0.33.0 logs while creating a cluster
// (the format strings of its cli.Status and create actions) and checks the
// events.
func TestStepLogger(t *testing.T) {
	rec := &event.Recorder{}
	l := newStepLogger(rec, "devstack")
	v0 := l.V(0)
	v0.Infof("Creating cluster %q ...\n", "devstack")
	v0.Infof(" • %s  ...\n", "Ensuring node image (kindest/node:v1.37.0) 🖼️")
	v0.Infof(" ✓ %s\n", "Ensuring node image (kindest/node:v1.37.0) 🖼️")
	v0.Infof(" • %s  ...\n", "Preparing nodes 📦 📦 ")
	l.Warn("cgroup v1 is deprecated in Kubernetes")
	v0.Infof(" ✓ %s\n", "Preparing nodes 📦 📦 ")
	v0.Infof(" • %s  ...\n", "Starting control-plane 🕹️")
	v0.Infof(" ✗ %s\n", "Starting control-plane 🕹️")
	v0.Infof(" • %s  ...\n", "Waiting ≤ 3m0s for control-plane = Ready ⏳")
	v0.Infof(" ✓ %s\n", "Waiting ≤ 3m0s for control-plane = Ready ⏳")
	v0.Infof(" • Ready after %s 💚", "15s")
	v0.Info(" • WARNING: Timed out waiting for Ready ⚠️")
	l.V(1).Info("debug output stays out of the stream")
	l.close()
	v0.Infof(" • %s  ...\n", "Installing CNI 🔌")

	want := []struct {
		name  string
		state event.State
		msg   string
	}{
		{"devstack", event.Progress, `Creating cluster "devstack" ...`},
		{"Ensuring node image (kindest/node:v1.37.0)", event.Running, ""},
		{"Ensuring node image (kindest/node:v1.37.0)", event.Succeeded, ""},
		{"Preparing nodes", event.Running, ""},
		{"Preparing nodes", event.Warning, "cgroup v1 is deprecated in Kubernetes"},
		{"Preparing nodes", event.Succeeded, ""},
		{"Starting control-plane", event.Running, ""},
		{"Starting control-plane", event.Failed, ""},
		{"Waiting ≤ 3m0s for control-plane = Ready", event.Running, ""},
		{"Waiting ≤ 3m0s for control-plane = Ready", event.Succeeded, ""},
		{"devstack", event.Progress, "Ready after 15s"},
		{"devstack", event.Warning, "Timed out waiting for Ready"},
	}
	got := rec.Events()
	if len(got) != len(want) {
		for _, e := range got {
			t.Logf("%s %s %q", e.Name, e.State, e.Message)
		}
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i, w := range want {
		e := got[i]
		if e.Source != event.SourceCluster || e.Name != w.name || e.State != w.state || e.Message != w.msg || e.Time.IsZero() {
			t.Errorf("event %d = %s %q %s %q, want cluster %q %s %q", i, e.Source, e.Name, e.State, e.Message, w.name, w.state, w.msg)
		}
		if e.State == event.Succeeded && e.Elapsed <= 0 {
			t.Errorf("event %d: no elapsed time on a finished step", i)
		}
	}
}

func TestStepName(t *testing.T) {
	for in, want := range map[string]string{
		"Starting control-plane 🕹️":                 "Starting control-plane",
		"Preparing nodes 📦 📦 📦 ":                    "Preparing nodes",
		"Configuring the external load balancer ⚖️": "Configuring the external load balancer",
		"Installing CNI 🔌":                          "Installing CNI",
		"plain":                                     "plain",
	} {
		if got := stepName(in); got != want {
			t.Errorf("stepName(%q) = %q, want %q", in, got, want)
		}
	}
}
