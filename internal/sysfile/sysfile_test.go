//go:build unix

package sysfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/devstack-dev/devstack/internal/golden"
)

// The two users the tests take the part of, whoever runs them: root, and
// a laptop user who cannot write /etc.
var (
	asRoot = Access{Euid: 0, Writable: func(string) bool { return true }}
	asUser = Access{Euid: 1000, Writable: func(string) bool { return false }}
)

// execRunner runs the sudo commands without sudo, for real, on the test's
// temporary tree (owned by the test's user, so install -o to that user
// works without root). It can fail or tamper after a given command.
type execRunner struct {
	ran    []string
	failOn string              // a command name that fails instead of running
	after  func(argv []string) // called after each command
	ctxErr []error             // the context's error at each command
}

func (r *execRunner) Run(ctx context.Context, _ []byte, argv ...string) error {
	r.ctxErr = append(r.ctxErr, ctx.Err())
	if !slices.Equal(argv[:len(SudoPrefix)], SudoPrefix) {
		return fmt.Errorf("not a sudo command: %q", argv)
	}
	argv = argv[len(SudoPrefix):]
	r.ran = append(r.ran, argv[0])
	if argv[0] == r.failOn {
		return fmt.Errorf("%s: injected failure", argv[0])
	}
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%q: %w: %s", argv, err, out)
	}
	if r.after != nil {
		r.after(argv)
	}
	return nil
}

func writeFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

// listing is a Change's Steps as the user sees them, with the temporary
// directory shown as /etc and the test user's ids as root's.
func listing(dir string, c Change) string {
	var b strings.Builder
	for _, s := range c.Steps() {
		s = strings.ReplaceAll(s, dir, "/etc")
		s = strings.ReplaceAll(s, fmt.Sprintf("-o %d -g %d", os.Getuid(), os.Getgid()), "-o 0 -g 0")
		b.WriteString(s + "\n")
	}
	return b.String()
}

// leftovers lists the temporary and backup files left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".devstack-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestApply(t *testing.T) {
	t.Parallel()
	const old = "127.0.0.1 localhost\n127.0.0.1 runsc\n::1 localhost\n"
	cases := []struct {
		name    string
		exists  bool
		remove  bool
		inPlace bool
		access  Access
		content string
		// commands is the sudo commands run, by name (nil for direct changes)
		commands []string
	}{
		{name: "replace-root", exists: true, access: asRoot, content: "127.0.0.1 localhost\n"},
		{name: "replace-sudo", exists: true, access: asUser, content: "127.0.0.1 localhost\n",
			commands: []string{"cp", "install", "mv", "cmp", "rm"}},
		{name: "create-root", access: asRoot, content: "[Resolve]\nDNS=127.0.0.1:15353\n"},
		{name: "create-sudo", access: asUser, content: "[Resolve]\nDNS=127.0.0.1:15353\n",
			commands: []string{"mkdir", "install", "mv", "cmp"}},
		{name: "in-place-root", exists: true, inPlace: true, access: asRoot, content: "127.0.0.1 localhost\n"},
		{name: "in-place-sudo", exists: true, inPlace: true, access: asUser, content: old + "# a longer file than before\n",
			commands: []string{"cp", "dd", "truncate", "cmp", "rm"}},
		{name: "remove-root", exists: true, remove: true, access: asRoot},
		{name: "remove-sudo", exists: true, remove: true, access: asUser, commands: []string{"rm"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.inPlace && tc.commands != nil {
				if _, err := exec.LookPath("truncate"); err != nil {
					t.Skip("no truncate(1) here (the in-place path is for Linux containers)")
				}
			}
			dir := t.TempDir()
			etc := filepath.Join(dir, "etc")
			path := filepath.Join(etc, "hosts")
			if !tc.exists {
				path = filepath.Join(etc, "systemd", "resolved.conf.d", "devstack.conf")
			} else {
				writeFile(t, path, old, 0o640)
			}
			var c Change
			var err error
			if tc.remove {
				c, err = PlanRemove(path, tc.access)
			} else {
				c, err = PlanWrite(path, []byte(tc.content), 0o644, tc.access)
			}
			if err != nil {
				t.Fatal(err)
			}
			c.InPlace = tc.inPlace
			if c.Sudo != (tc.commands != nil) {
				t.Fatalf("sudo %v, want %v", c.Sudo, tc.commands != nil)
			}
			golden.Check(t, tc.name+".golden", []byte(listing(etc, c)))

			var ino uint64
			if tc.exists {
				ino = inode(t, path)
			}
			r := &execRunner{}
			if err := Apply(context.Background(), c, r); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.ran, tc.commands) {
				t.Errorf("commands %q, want %q", r.ran, tc.commands)
			}
			if tc.remove {
				if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("%s still there (%v)", path, err)
				}
				return
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != tc.content {
				t.Fatalf("content %q, %v; want %q", got, err, tc.content)
			}
			fi, _ := os.Stat(path)
			wantMode := fs.FileMode(0o644)
			if tc.exists {
				wantMode = 0o640 // the original's
			}
			if fi.Mode().Perm() != wantMode {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), wantMode)
			}
			if tc.exists {
				if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != os.Getuid() {
					t.Errorf("owner %d, want the original's %d", st.Uid, os.Getuid())
				}
				if same := inode(t, path) == ino; same != tc.inPlace {
					t.Errorf("same inode %v, want %v (replaced by rename unless in place)", same, tc.inPlace)
				}
			}
			if l := leftovers(t, filepath.Dir(path)); len(l) != 0 {
				t.Errorf("left behind: %v", l)
			}
		})
	}
}

// TestApplyFailureLeavesTheOldFile: a sudo command failing before the
// rename leaves the original byte for byte, and no temporary or backup.
func TestApplyFailureLeavesTheOldFile(t *testing.T) {
	t.Parallel()
	for _, failOn := range []string{"cp", "install", "mv"} {
		t.Run(failOn, func(t *testing.T) {
			etc := t.TempDir()
			path := filepath.Join(etc, "hosts")
			writeFile(t, path, "old\n", 0o644)
			c, err := PlanWrite(path, []byte("new\n"), 0o644, asUser)
			if err != nil {
				t.Fatal(err)
			}
			err = Apply(context.Background(), c, &execRunner{failOn: failOn})
			if err == nil || !strings.Contains(err.Error(), "injected failure") {
				t.Fatalf("error %v, want the injected failure", err)
			}
			if got, _ := os.ReadFile(path); string(got) != "old\n" {
				t.Errorf("content %q after a failed write, want the old one", got)
			}
			if l := leftovers(t, etc); len(l) != 0 {
				t.Errorf("left behind: %v", l)
			}
		})
	}
}

// TestApplyRestoresBackupWhenVerificationFails: something rewrites the
// file between the rename and the read-back (another writer), so the new
// content does not verify and the backup is put back.
func TestApplyRestoresBackupWhenVerificationFails(t *testing.T) {
	t.Parallel()
	for _, inPlace := range []bool{false, true} {
		t.Run(fmt.Sprintf("in-place=%v", inPlace), func(t *testing.T) {
			if _, err := exec.LookPath("truncate"); err != nil && inPlace {
				t.Skip("no truncate(1) here")
			}
			etc := t.TempDir()
			path := filepath.Join(etc, "hosts")
			writeFile(t, path, "old content\n", 0o644)
			c, err := PlanWrite(path, []byte("new\n"), 0o644, asUser)
			if err != nil {
				t.Fatal(err)
			}
			c.InPlace = inPlace
			tampered := false
			r := &execRunner{after: func(argv []string) {
				if !tampered && (argv[0] == "mv" || argv[0] == "truncate") {
					tampered = true
					_ = os.WriteFile(path, []byte("tampered\n"), 0o644)
				}
			}}
			err = Apply(context.Background(), c, r)
			if err == nil || !strings.Contains(err.Error(), "previous content is back") {
				t.Fatalf("error %v, want the verification failure and the restore", err)
			}
			if got, _ := os.ReadFile(path); string(got) != "old content\n" {
				t.Errorf("content %q, want the backup's", got)
			}
		})
	}
}

// TestApplyIsNotCancelledOnceStarted: a Ctrl-C during the first command
// does not stop the others; a Ctrl-C before Apply stops everything.
func TestApplyIsNotCancelledOnceStarted(t *testing.T) {
	t.Parallel()
	etc := t.TempDir()
	path := filepath.Join(etc, "hosts")
	writeFile(t, path, "old\n", 0o644)
	c, err := PlanWrite(path, []byte("new\n"), 0o644, asUser)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &execRunner{after: func([]string) { cancel() }}
	if err := Apply(ctx, c, r); err != nil {
		t.Fatalf("cancelled while writing: %v, want the write finished", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new\n" {
		t.Errorf("content %q, want the new one", got)
	}
	for i, e := range r.ctxErr {
		if e != nil {
			t.Errorf("command %d ran under a cancelled context", i)
		}
	}
	c2, _ := PlanWrite(path, []byte("newer\n"), 0o644, asUser)
	r2 := &execRunner{}
	if err := Apply(ctx, c2, r2); !errors.Is(err, context.Canceled) || len(r2.ran) != 0 {
		t.Fatalf("Apply after Ctrl-C: %v, ran %q; want nothing done", err, r2.ran)
	}
}

// TestPlanNeedsSudo: sudo exactly when this user cannot replace the file
// itself, by the injected euid and writability.
func TestPlanNeedsSudo(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hosts")
	writeFile(t, path, "x\n", 0o644)
	me := os.Getuid()
	cases := []struct {
		name   string
		access Access
		sudo   bool
	}{
		{"root", asRoot, false},
		{"root even where nothing is writable", Access{Euid: 0, Writable: func(string) bool { return false }}, false},
		{"owner with a writable directory", Access{Euid: me + 1, Writable: func(string) bool { return true }}, true}, // another owner: cannot keep it
		{"user with a read-only directory", asUser, true},
		{"the file's owner with a writable directory", Access{Euid: me, Writable: func(p string) bool { return p == dir }}, false},
	}
	for _, tc := range cases {
		c, err := PlanWrite(path, []byte("y\n"), 0o644, tc.access)
		if err != nil {
			t.Fatal(err)
		}
		if c.Sudo != tc.sudo {
			t.Errorf("%s: sudo %v, want %v", tc.name, c.Sudo, tc.sudo)
		}
	}
}

func TestPlanFollowsSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "static", "hosts")
	writeFile(t, target, "x\n", 0o644)
	link := filepath.Join(dir, "hosts")
	if err := os.Symlink("static/hosts", link); err != nil {
		t.Fatal(err)
	}
	c, err := PlanWrite(link, []byte("y\n"), 0o644, asRoot)
	if err != nil {
		t.Fatal(err)
	}
	if err := Apply(context.Background(), c, nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced (%v)", err)
	}
	if got, _ := os.ReadFile(target); string(got) != "y\n" {
		t.Errorf("target %q, want the new content", got)
	}
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	for _, data := range []string{"first", "second, longer"} {
		if err := WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, []byte(data)) {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
		if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
		}
	}
	if l := leftovers(t, filepath.Dir(p)); len(l) != 0 {
		t.Errorf("left behind: %v", l)
	}
}

func TestLeftovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hosts")
	writeFile(t, path, "x\n", 0o644)
	if l := Leftovers(path); len(l) != 0 {
		t.Fatalf("leftovers %v of a clean directory", l)
	}
	writeFile(t, tmpPath(path), "partial", 0o600)
	writeFile(t, BackupPath(path), "x\n", 0o644)
	want := []string{filepath.Join(dir, ".hosts.devstack-tmp"), filepath.Join(dir, ".hosts.devstack-bak")}
	if l := Leftovers(path); !slices.Equal(l, want) {
		t.Fatalf("leftovers %v, want %v", l, want)
	}
}
