package flux

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Tree is an exported repository: slash-separated relative paths to file
// contents.
type Tree map[string][]byte

// Paths returns the tree's paths, sorted.
func (t Tree) Paths() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for p := range t {
			if !yield(p) {
				return
			}
		}
	})
}

// Write writes the tree under dir and removes files there that the tree
// no longer has, in the directories the export owns; everything else in
// dir (a .git, flux-system/ written by `flux bootstrap`) is left alone.
// Each file is written to a temporary name and renamed, so an interrupted
// export leaves every file either old or new.
func (t Tree) Write(dir string) error {
	stale, err := t.stale(dir)
	if err != nil {
		return err
	}
	for _, p := range t.Paths() {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if old, err := os.ReadFile(full); err == nil && bytes.Equal(old, t[p]) {
			continue
		}
		tmp := full + ".devstack-tmp"
		if err := os.WriteFile(tmp, t[p], 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.Rename(tmp, full); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	for _, p := range stale {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(p))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("export: removing stale %s: %w", p, err)
		}
	}
	return nil
}

// owned are the directories whose every file the export writes.
var owned = []string{"apps/base", "base/services", "charts"}

// ownedFile reports whether p is a file the export manages: inside an
// owned directory, or one of the files it writes in a stage's directory.
func ownedFile(p string, t Tree) bool {
	for _, d := range owned {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	if strings.HasPrefix(p, "clusters/stages/") {
		if _, ok := t[p]; ok {
			return true
		}
		// patches/ under a stage's cluster directory is the export's own.
		return strings.Contains(p, "/patches/")
	}
	return false
}

// stale lists files under dir that the export owns but the tree lacks.
func (t Tree) stale(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(full string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, full)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if _, ok := t[rel]; !ok && ownedFile(rel, t) {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("export: reading %s: %w", dir, err)
	}
	return out, nil
}

// Diff compares the tree with dir and returns a unified-style listing of
// what writing it would change; empty when dir is up to date.
func (t Tree) Diff(dir string) (string, error) {
	var b strings.Builder
	for _, p := range t.Paths() {
		old, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(&b, "--- /dev/null\n+++ %s\n%s", p, lineDiff(nil, t[p]))
		case err != nil:
			return "", fmt.Errorf("export: %w", err)
		case !bytes.Equal(old, t[p]):
			fmt.Fprintf(&b, "--- %s\n+++ %s\n%s", p, p, lineDiff(old, t[p]))
		}
	}
	stale, err := t.stale(dir)
	if err != nil {
		return "", err
	}
	for _, p := range stale {
		old, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		fmt.Fprintf(&b, "--- %s\n+++ /dev/null\n%s", p, lineDiff(old, nil))
	}
	return b.String(), nil
}

// lineDiff prints the lines of a and b outside their common prefix and
// suffix: enough for a reviewer to see what changed in a small YAML file.
func lineDiff(a, b []byte) string {
	al, bl := splitLines(a), splitLines(b)
	pre := 0
	for pre < len(al) && pre < len(bl) && al[pre] == bl[pre] {
		pre++
	}
	suf := 0
	for suf < len(al)-pre && suf < len(bl)-pre && al[len(al)-1-suf] == bl[len(bl)-1-suf] {
		suf++
	}
	var s strings.Builder
	fmt.Fprintf(&s, "@@ -%d,%d +%d,%d @@\n", pre+1, len(al)-pre-suf, pre+1, len(bl)-pre-suf)
	for _, l := range al[pre : len(al)-suf] {
		s.WriteString("-" + l + "\n")
	}
	for _, l := range bl[pre : len(bl)-suf] {
		s.WriteString("+" + l + "\n")
	}
	return s.String()
}

func splitLines(b []byte) []string {
	if len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}
