package applied

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestChoose(t *testing.T) {
	kindUp := &Record{Profile: "minimal", Files: []string{"/w/extra.yaml"}, Sets: []string{"redis.replicas=2"}, Cluster: "team"}
	ctxUp := &Record{Profile: "dev", Context: "prod-eu", Kubeconfig: "/w/kc"}
	cases := []struct {
		name  string
		flags Flags
		rec   *Record
		want  Choice
	}{
		{"nothing recorded: the default", Flags{}, nil, Choice{Profile: "dev"}},
		{"nothing given: the record", Flags{}, kindUp,
			Choice{Profile: "minimal", Files: []string{"/w/extra.yaml"}, Sets: []string{"redis.replicas=2"}, Cluster: "team", FromRecord: true}},
		{"a profile flag: the flags' stack, the record's cluster", Flags{Profile: "prod"}, kindUp,
			Choice{Profile: "prod", Cluster: "team"}},
		{"a file alone: the default profile under it", Flags{Files: []string{"/w/mine.yaml"}}, kindUp,
			Choice{Profile: "dev", Files: []string{"/w/mine.yaml"}, Cluster: "team"}},
		{"--only alone is a stack of its own", Flags{Only: []string{"redis"}}, kindUp,
			Choice{Profile: "dev", Only: []string{"redis"}, Cluster: "team"}},
		{"--name over the record", Flags{Cluster: "other"}, kindUp,
			Choice{Profile: "minimal", Files: []string{"/w/extra.yaml"}, Sets: []string{"redis.replicas=2"}, Cluster: "other", FromRecord: true}},
		{"the record's context", Flags{}, ctxUp,
			Choice{Profile: "dev", Context: "prod-eu", Kubeconfig: "/w/kc", FromRecord: true}},
		{"--name over a recorded context: the kind cluster", Flags{Cluster: "devstack"}, ctxUp,
			Choice{Profile: "dev", Cluster: "devstack", FromRecord: true}},
		{"--context over a recorded kind cluster", Flags{Context: "staging"}, kindUp,
			Choice{Profile: "minimal", Files: []string{"/w/extra.yaml"}, Sets: []string{"redis.replicas=2"}, Context: "staging", FromRecord: true}},
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
	if err := Save(dir, Record{Profile: "applied_test.go", Files: []string{"testdata/x.yaml"}, Cluster: "team"}); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A profile file and overlay files are remembered by absolute path.
	want := Record{Profile: filepath.Join(wd, "applied_test.go"), Files: []string{filepath.Join(wd, "testdata/x.yaml")}, Cluster: "team"}
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
