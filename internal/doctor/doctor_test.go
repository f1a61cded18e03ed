package doctor

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

const gi = int64(1) << 30

func engineUp(cpus int, mem int64) EngineProbe {
	return func(context.Context) (EngineInfo, error) {
		return EngineInfo{Engine: "Docker", Version: "28.2.2", CPUs: cpus, MemoryBytes: mem}, nil
	}
}

func engineDown(context.Context) (EngineInfo, error) {
	return EngineInfo{}, errors.New("Docker is not reachable: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?")
}

// find returns the result named name.
func find(t *testing.T, rep Report, name string) Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no result %q in %+v", name, rep.Results)
	return Result{}
}

func TestEngineChecks(t *testing.T) {
	full := Requests{MilliCPU: 5000, MemoryBytes: 10 * gi}
	cases := []struct {
		Name      string
		Probe     EngineProbe
		Profile   string
		Requests  Requests
		Engine    Status
		Memory    Status
		CPU       Status
		MemoryFix string
		Message   string
	}{
		{Name: "plenty", Probe: engineUp(16, 32*gi), Profile: "dev", Requests: full, Engine: OK, Memory: OK, CPU: OK},
		{Name: "memory short", Probe: engineUp(16, 8*gi), Profile: "dev", Requests: full, Engine: OK, Memory: Fail, CPU: OK, MemoryFix: "--profile minimal"},
		{Name: "memory tight", Probe: engineUp(16, 13*gi), Profile: "dev", Requests: full, Engine: OK, Memory: Warn, CPU: OK, MemoryFix: "--profile minimal"},
		{Name: "cpus short", Probe: engineUp(4, 32*gi), Profile: "dev", Requests: full, Engine: OK, Memory: OK, CPU: Fail},
		{Name: "minimal profile short: no minimal advice", Probe: engineUp(1, 1*gi), Profile: "minimal", Requests: Requests{MilliCPU: 500, MemoryBytes: gi}, Engine: OK, Memory: Fail, CPU: Fail},
		{Name: "no engine", Probe: engineDown, Profile: "dev", Requests: full, Engine: Fail, Memory: Warn, CPU: Warn, Message: "Docker is not reachable"},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			rep, err := Run(context.Background(), Checks(Config{Engine: "Docker", EngineProbe: tc.Probe, Profile: tc.Profile, Requests: tc.Requests}), nil)
			if err != nil {
				t.Fatal(err)
			}
			eng, mem, cpu := find(t, rep, "container engine"), find(t, rep, "memory"), find(t, rep, "CPU")
			if eng.Status != tc.Engine || mem.Status != tc.Memory || cpu.Status != tc.CPU {
				t.Errorf("engine/memory/CPU = %s/%s/%s, want %s/%s/%s\n%+v", eng.Status, mem.Status, cpu.Status, tc.Engine, tc.Memory, tc.CPU, rep.Results)
			}
			if tc.MemoryFix != "" && !strings.Contains(mem.Fix, tc.MemoryFix) {
				t.Errorf("memory fix = %q, want it to mention %q", mem.Fix, tc.MemoryFix)
			}
			if tc.Profile == "minimal" && strings.Contains(mem.Fix+cpu.Fix, "--profile minimal") {
				t.Errorf("suggests the minimal profile to a minimal profile: %q", mem.Fix)
			}
			if tc.Message != "" && !strings.Contains(eng.Message, tc.Message) {
				t.Errorf("engine message = %q, want %q", eng.Message, tc.Message)
			}
			for _, r := range rep.Results {
				if r.Status != OK && r.Fix == "" && !strings.HasPrefix(r.Message, "not checked") {
					t.Errorf("%s is %s without a fix", r.Name, r.Status)
				}
			}
		})
	}
}

func TestEngineProbedOnce(t *testing.T) {
	calls := 0
	probe := func(context.Context) (EngineInfo, error) {
		calls++
		return EngineInfo{CPUs: 8, MemoryBytes: 16 * gi}, nil
	}
	if _, err := Run(context.Background(), Checks(Config{EngineProbe: probe}), nil); err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("engine probed %d times, want once for the three checks", calls)
	}
}

func TestPortChecks(t *testing.T) {
	taken := map[int]string{80: "nginx (pid 812)", 443: "", 15353: "dnsmasq (pid 99)"}
	probe := func(_ context.Context, proto string, port int) (bool, string, error) {
		if port == 9999 {
			return false, "", errors.New("boom")
		}
		h, busy := taken[port]
		return busy, h, nil
	}
	cases := []struct {
		Port    Port
		Status  Status
		Message string
		Fix     string
	}{
		{Port: Port{Number: 80, Proto: "tcp", Purpose: "HTTP ingress", Flag: "cluster.httpPort"}, Status: Fail,
			Message: "HTTP ingress: in use by nginx (pid 812)", Fix: "stop nginx (pid 812), or choose another port with cluster.httpPort"},
		{Port: Port{Number: 443, Proto: "tcp", Purpose: "HTTPS ingress"}, Status: Fail, Message: "HTTPS ingress: in use by another process", Fix: "stop another process"},
		{Port: Port{Number: 80, Proto: "tcp", Purpose: "HTTP ingress", Owner: "cluster devstack"}, Status: OK, Message: "HTTP ingress: held by cluster devstack"},
		{Port: Port{Number: 15353, Proto: "udp", Purpose: "DNS resolver", Flag: "--dns-port"}, Status: Fail, Message: "DNS resolver: in use by dnsmasq (pid 99)"},
		{Port: Port{Number: 8080, Proto: "tcp", Purpose: "HTTP ingress"}, Status: OK, Message: "HTTP ingress: free"},
		{Port: Port{Number: 9999, Proto: "tcp", Purpose: "x"}, Status: Warn, Message: "x: could not check: boom"},
	}
	for _, tc := range cases {
		rep, _ := Run(context.Background(), Checks(Config{Ports: []Port{tc.Port}, PortProbe: probe}), nil)
		r := rep.Results[0]
		if r.Status != tc.Status || r.Message != tc.Message || (tc.Fix != "" && r.Fix != tc.Fix) {
			t.Errorf("%+v: got %+v, want %s %q fix %q", tc.Port, r, tc.Status, tc.Message, tc.Fix)
		}
	}
}

func TestInotifyCheck(t *testing.T) {
	cases := []struct {
		Dir    string
		Status Status
	}{
		{"testdata/inotify-ok", OK},
		{"testdata/inotify-low", Warn},
		{"testdata/missing", Warn},
	}
	for _, tc := range cases {
		dir := tc.Dir
		rep, _ := Run(context.Background(), Checks(Config{InotifyProbe: func() (Inotify, error) { return readInotify(dir) }}), nil)
		r := rep.Results[0]
		if r.Status != tc.Status {
			t.Errorf("%s: %+v, want %s", tc.Dir, r, tc.Status)
		}
		if tc.Dir == "testdata/inotify-low" && !strings.Contains(r.Fix, "fs.inotify.max_user_watches=524288") {
			t.Errorf("fix = %q", r.Fix)
		}
	}
}

func TestDiskCheck(t *testing.T) {
	free := map[string]uint64{"/big": 100 << 30, "/mid": 10 << 30, "/tiny": 1 << 30}
	probe := func(p string) (uint64, error) {
		f, ok := free[p]
		if !ok {
			return 0, errors.New("no such directory")
		}
		return f, nil
	}
	cases := []struct {
		Paths  []string
		Status Status
	}{
		{[]string{"/big"}, OK},
		{[]string{"/big", "/mid"}, Warn},
		{[]string{"/mid", "/tiny"}, Fail},
		{[]string{"/tiny", "/mid"}, Fail},
		{[]string{"/gone"}, Warn},
	}
	for _, tc := range cases {
		var dp []DiskPath
		for _, p := range tc.Paths {
			dp = append(dp, DiskPath{Path: p, Purpose: "images"})
		}
		rep, _ := Run(context.Background(), Checks(Config{Disk: dp, DiskProbe: probe}), nil)
		if r := rep.Results[0]; r.Status != tc.Status || (r.Status != OK && r.Fix == "" && tc.Paths[0] != "/gone") {
			t.Errorf("%v: %+v, want %s", tc.Paths, r, tc.Status)
		}
	}
}

func TestRunEvents(t *testing.T) {
	rec := &event.Recorder{}
	rep, err := Run(context.Background(), []Check{
		{Name: "a", Run: func(context.Context) Result { return Result{Status: OK, Message: "fine"} }},
		{Name: "b", Run: func(context.Context) Result { return Result{Status: Warn, Message: "meh", Fix: "do x"} }},
		{Name: "c", Run: func(context.Context) Result { return Result{Status: Fail, Message: "bad", Fix: "do y"} }},
	}, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name  string
		state event.State
		msg   string
	}{{"a", event.Succeeded, "fine"}, {"b", event.Warning, "meh; fix: do x"}, {"c", event.Failed, "bad; fix: do y"}}
	evs := rec.Events()
	if len(evs) != len(want) {
		t.Fatalf("events = %+v", evs)
	}
	for i, w := range want {
		if e := evs[i]; e.Source != event.SourceDoctor || e.Name != w.name || e.State != w.state || e.Message != w.msg {
			t.Errorf("event %d = %+v, want %+v", i, e, w)
		}
	}
	var fe *FailedError
	if err := rep.Err(); !errors.As(err, &fe) || len(fe.Failed) != 1 || !strings.Contains(err.Error(), "c: bad (do y)") {
		t.Errorf("report error = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, []Check{{Name: "a", Run: func(context.Context) Result { t.Error("ran after cancel"); return Result{} }}}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

func TestSumRequests(t *testing.T) {
	comp := func(name, cpu, mem string) stack.Planned {
		return stack.Planned{Component: stack.Component{Name: name, Resources: &stack.Resources{CPU: cpu, Memory: mem}}}
	}
	got, err := SumRequests([]stack.Planned{comp("a", "500m", "512Mi"), comp("b", "1.5", "1Gi"), comp("c", "", "100M"), {Component: stack.Component{Name: "d"}}})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Requests{MilliCPU: 2000, MemoryBytes: 512<<20 + 1<<30 + 100_000_000}); got != want {
		t.Errorf("sum = %+v, want %+v", got, want)
	}
	if _, err := SumRequests([]stack.Planned{comp("bad", "lots", "")}); err == nil || !strings.Contains(err.Error(), "component bad") {
		t.Errorf("bad quantity: %v", err)
	}
}
