package clustertls

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/devstack-dev/devstack/internal/paths"
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
	return paths.WritePrivate(filepath.Join(stateDir, recordFile), b)
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
