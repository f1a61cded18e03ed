package clustertls

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// recordFile, in the state directory, remembers the certificate the
// cluster serves, so plan and status can print https:// URLs without
// asking the cluster. reset removes it with the state.
const recordFile = "ingress-tls.json"

// WriteRecord stores what the cluster serves.
func WriteRecord(stateDir string, r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(stateDir, recordFile), b, 0o600)
}

// Served reports whether the cluster's certificate, as last recorded,
// covers host at now: then its URL is https://.
func Served(stateDir, host string, now time.Time) bool {
	b, err := os.ReadFile(filepath.Join(stateDir, recordFile))
	if err != nil {
		return false
	}
	var r Result
	if json.Unmarshal(b, &r) != nil {
		return false
	}
	return now.Before(r.NotAfter) && slices.Contains(r.Hosts, host)
}

// RemoveRecord forgets the certificate (the cluster went away).
func RemoveRecord(stateDir string) error {
	err := os.Remove(filepath.Join(stateDir, recordFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
