package applied

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/devstack-dev/devstack/internal/paths"
)

// File is the record's name in the state directory.
const File = "applied.json"

// Record is what one `up` applied.
type Record struct {
	Stack
	Target
}

// Load reads the record of stateDir; nil without error when there is none.
func Load(stateDir string) (*Record, error) {
	path := filepath.Join(stateDir, File)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading what up applied: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w (delete it; the next up writes it again)", path, err)
	}
	return &r, nil
}

// Save writes the record (0600). Relative file paths are made absolute, so
// a command run from another directory finds the same files.
func Save(stateDir string, r Record) error {
	r.Files = absolute(r.Files)
	if isFile(r.Profile) {
		r.Profile = absolute([]string{r.Profile})[0]
	}
	if r.Kubeconfig != "" {
		r.Kubeconfig = absolute([]string{r.Kubeconfig})[0]
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return paths.WritePrivate(filepath.Join(stateDir, File), append(b, '\n'))
}

func absolute(paths []string) []string {
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		if a, err := filepath.Abs(p); err == nil {
			p = a
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func isFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
