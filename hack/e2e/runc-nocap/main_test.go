package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestSpecFile(t *testing.T) {
	cases := []struct {
		name        string
		args        []string
		wantPath    string
		wantProcess bool
	}{
		{"create with bundle", []string{"--root", "/run/r", "--log", "l.json", "create", "--bundle", "/b", "id"}, "/b/config.json", false},
		{"create with short bundle", []string{"create", "-b", "/b", "id"}, "/b/config.json", false},
		{"create with bundle=", []string{"--systemd-cgroup", "create", "--bundle=/b", "id"}, "/b/config.json", false},
		{"run in cwd", []string{"run", "id"}, "config.json", false},
		{"exec with process", []string{"--root", "/r", "exec", "--process", "/tmp/p.json", "--detach", "id"}, "/tmp/p.json", true},
		{"exec without process", []string{"exec", "id", "ls"}, "", false},
		{"start has no spec", []string{"--root", "/r", "start", "id"}, "", false},
		{"only flags", []string{"--version"}, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, isProcess := specFile(tc.args)
			if path != tc.wantPath || isProcess != tc.wantProcess {
				t.Fatalf("specFile(%v) = %q, %v; want %q, %v", tc.args, path, isProcess, tc.wantPath, tc.wantProcess)
			}
		})
	}
}

func TestBoundingSet(t *testing.T) {
	got, err := boundingSet("testdata/status")
	if err != nil {
		t.Fatal(err)
	}
	if grantable("CAP_SYS_RESOURCE", got) {
		t.Errorf("CAP_SYS_RESOURCE grantable under %x", got)
	}
	for _, c := range []string{"CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_CHECKPOINT_RESTORE", "CAP_UNKNOWN_FUTURE"} {
		if !grantable(c, got) {
			t.Errorf("%s not grantable under %x", c, got)
		}
	}
	if _, err := boundingSet("testdata/config.json"); err == nil {
		t.Error("expected an error for a file without CapBnd")
	}
}

func TestRewriteSpec(t *testing.T) {
	const bounding = 0x000001fffeffffff
	cases := []struct {
		file      string
		isProcess bool
		// capsOf extracts the capability sets from the decoded result.
		capsOf  func(map[string]any) map[string]any
		want    map[string][]string
		keepKey string
	}{
		{
			file: "config.json",
			capsOf: func(d map[string]any) map[string]any {
				return d["process"].(map[string]any)["capabilities"].(map[string]any)
			},
			want: map[string][]string{
				"bounding": {"CAP_CHOWN", "CAP_SYS_ADMIN"}, "effective": {"CAP_CHOWN"},
				"permitted": {"CAP_SYS_ADMIN"}, "inheritable": {}, "ambient": {},
			},
			keepKey: "hostname",
		},
		{
			file: "process.json", isProcess: true,
			capsOf:  func(d map[string]any) map[string]any { return d["capabilities"].(map[string]any) },
			want:    map[string][]string{"bounding": {"CAP_NET_ADMIN"}, "effective": {"CAP_NET_ADMIN"}},
			keepKey: "cwd",
		},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			path := copyToTemp(t, tc.file)
			if err := rewriteSpec(path, tc.isProcess, bounding); err != nil {
				t.Fatal(err)
			}
			doc := readJSON(t, path)
			if _, ok := doc[tc.keepKey]; !ok {
				t.Errorf("field %q was lost", tc.keepKey)
			}
			caps := tc.capsOf(doc)
			for set, want := range tc.want {
				var got []string
				for _, c := range caps[set].([]any) {
					got = append(got, c.(string))
				}
				if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("%s = %v, want %v", set, got, want)
				}
			}
		})
	}
}

func TestRewriteSpecLeavesCleanFileUntouched(t *testing.T) {
	path := copyToTemp(t, "unchanged.json")
	before, _ := os.ReadFile(path)
	if err := rewriteSpec(path, false, 0x000001fffeffffff); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Errorf("file rewritten although nothing was dropped:\n%s", after)
	}
}

func copyToTemp(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestClampOOMScoreAdj(t *testing.T) {
	const withoutSysResource = 0x000001fffeffffff
	const full = 0x000001ffffffffff
	current := func() (int, error) { return 0, nil }
	cases := []struct {
		name     string
		process  map[string]any
		bounding uint64
		want     any
		changed  bool
	}{
		{"negative raised", map[string]any{"oomScoreAdj": float64(-998)}, withoutSysResource, 0, true},
		{"positive kept", map[string]any{"oomScoreAdj": float64(500)}, withoutSysResource, float64(500), false},
		{"host may lower it", map[string]any{"oomScoreAdj": float64(-998)}, full, float64(-998), false},
		{"absent stays absent", map[string]any{}, withoutSysResource, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			changed := clampOOMScoreAdj(tc.process, tc.bounding, current)
			if changed != tc.changed || tc.process["oomScoreAdj"] != tc.want {
				t.Fatalf("got %v (changed %v), want %v (changed %v)", tc.process["oomScoreAdj"], changed, tc.want, tc.changed)
			}
		})
	}
}
