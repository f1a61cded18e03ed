package applied

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestChoose(t *testing.T) {
	minimal := Stack{Profile: "minimal", Files: []string{"/w/extra.yaml"}, Sets: []string{"redis.replicas=2"}}
	team := Target{Cluster: "team"}
	prodEU := Target{Context: "prod-eu", Kubeconfig: "/w/kc"}
	kindUp := &Record{Stack: minimal, Target: team}
	ctxUp := &Record{Stack: Stack{Profile: "dev"}, Target: prodEU}
	cases := []struct {
		name  string
		flags Flags
		rec   *Record
		want  Choice
	}{
		{"nothing recorded: the default", Flags{}, nil, Choice{Stack: Stack{Profile: "dev"}}},
		{"nothing given: the record", Flags{}, kindUp, Choice{minimal, team, true}},
		{"a profile flag: the flags' stack, the record's cluster", Flags{Stack: Stack{Profile: "prod"}}, kindUp,
			Choice{Stack{Profile: "prod"}, team, false}},
		{"a file alone: the default profile under it", Flags{Stack: Stack{Files: []string{"/w/mine.yaml"}}}, kindUp,
			Choice{Stack{Profile: "dev", Files: []string{"/w/mine.yaml"}}, team, false}},
		{"--only alone is a stack of its own", Flags{Stack: Stack{Only: []string{"redis"}}}, kindUp,
			Choice{Stack{Profile: "dev", Only: []string{"redis"}}, team, false}},
		{"--name over the record", Flags{Target: Target{Cluster: "other"}}, kindUp, Choice{minimal, Target{Cluster: "other"}, true}},
		{"the record's context", Flags{}, ctxUp, Choice{Stack{Profile: "dev"}, prodEU, true}},
		{"--name over a recorded context: the kind cluster", Flags{Target: Target{Cluster: "devstack"}}, ctxUp,
			Choice{Stack{Profile: "dev"}, Target{Cluster: "devstack"}, true}},
		{"--context over a recorded kind cluster", Flags{Target: Target{Context: "staging"}}, kindUp,
			Choice{minimal, Target{Context: "staging"}, true}},
	}
	for _, tc := range cases {
		if got := Choose(tc.flags, tc.rec, "dev"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestSaveLoad(t *testing.T) {
	dir := t.TempDir()
	if r, err := Load(dir); r != nil || err != nil {
		t.Fatalf("empty state dir: %v %v", r, err)
	}
	wd, _ := os.Getwd()
	if err := Save(dir, Record{Stack: Stack{Profile: "applied_test.go", Files: []string{"testdata/x.yaml"}}, Target: Target{Cluster: "team"}}); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A profile file and overlay files are remembered by absolute path.
	want := Record{Stack: Stack{Profile: filepath.Join(wd, "applied_test.go"), Files: []string{filepath.Join(wd, "testdata/x.yaml")}}, Target: Target{Cluster: "team"}}
	if !reflect.DeepEqual(*r, want) {
		t.Errorf("loaded %+v, want %+v", *r, want)
	}
	st, err := os.Stat(filepath.Join(dir, File))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("record mode: %v %v", st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	os.WriteFile(filepath.Join(dir, File), []byte("{half"), 0o600)
	if _, err := Load(dir); err == nil {
		t.Error("a corrupt record loads")
	}
}
