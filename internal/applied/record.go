package applied

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// File is the record's name in the state directory.
const File = "applied.json"

// Record is what one `up` applied.
type Record struct {
	Stack
	Target
	Time time.Time `json:"time"`
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
	return writeSynced(filepath.Join(stateDir, File), append(b, '\n'))
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

// writeSynced replaces path atomically: a private temporary file in the
// same directory, flushed to disk, renamed over path, and the directory
// flushed, so a crash leaves the old record or the new one, never half.
func writeSynced(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if err = tmp.Chmod(0o600); err == nil {
		if _, err = tmp.Write(data); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
