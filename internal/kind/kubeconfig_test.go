package kind

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestUserKubeconfig(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	if err := os.WriteFile(b, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	sep := string(os.PathListSeparator)
	cases := []struct {
		Name, Env, Want string
	}{
		{Name: "unset: ~/.kube/config", Env: "", Want: filepath.Join(home, ".kube", "config")},
		{Name: "one file", Env: a, Want: a},
		{Name: "first existing", Env: strings.Join([]string{a, b, c}, sep), Want: b},
		{Name: "none exists: the last", Env: strings.Join([]string{a, c}, sep), Want: c},
		{Name: "empty entries skipped", Env: sep + a + sep, Want: a},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tc.Env)
			got, err := UserKubeconfig()
			if err != nil || got != tc.Want {
				t.Errorf("UserKubeconfig() = %q, %v; want %q", got, err, tc.Want)
			}
		})
	}
}
