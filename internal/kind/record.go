package kind

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/devstack-dev/devstack/internal/paths"
)

// store keeps one Record per cluster name under <state>/kind/.
type store struct{ dir string }

func (s store) path(name string) string { return filepath.Join(s.dir, "kind", name+".json") }

// kubeconfigPath is devstack's private copy of the cluster's kubeconfig,
// the file the installer uses whatever the user's KUBECONFIG says.
func (s store) kubeconfigPath(name string) string {
	return filepath.Join(s.dir, "kind", name+".kubeconfig")
}

// load returns the record, or nil when there is none.
func (s store) load(name string) (*Record, error) {
	b, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the cluster record: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("reading the cluster record %s: %w", s.path(name), err)
	}
	return &r, nil
}

func (s store) save(r Record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the cluster record: %w", err)
	}
	return paths.WritePrivate(s.path(r.Spec.Name), append(b, '\n'))
}

// remove deletes the record and the kubeconfig copy; missing files are fine.
func (s store) remove(name string) error {
	var errs []error
	for _, p := range []string{s.path(name), s.kubeconfigPath(name)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// names returns the clusters devstack has records of.
func (s store) names() ([]string, error) {
	matches, err := filepath.Glob(filepath.Join(s.dir, "kind", "*.json"))
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, strings.TrimSuffix(filepath.Base(m), ".json"))
	}
	return names, nil
}
