package helm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/chart"
)

// LabelDigest is the release label holding the digest of what a release
// was last successfully applied with. It is written only after the wait
// succeeded, so a release that never became ready is never skipped.
const LabelDigest = "devstack.dev/digest"

// digestVersion changes when the digest's inputs change meaning, so that
// an upgraded devstack re-applies once instead of trusting old digests.
const digestVersion = "devstack-release-digest/v1"

// digest identifies a release's desired state: namespace, chart name and
// version, every file of the chart (local charts change without a version
// bump) and the merged values. encoding/json sorts map keys, so equal
// values give equal digests. 60 hex characters fit a label value (63).
func digest(ch *chart.Chart, namespace string, values map[string]any) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", digestVersion, namespace)
	if ch.Metadata != nil {
		fmt.Fprintf(h, "%s\x00%s\x00", ch.Metadata.Name, ch.Metadata.Version)
	}
	files := append([]*chart.File(nil), ch.Raw...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Name, len(f.Data))
		_, _ = h.Write(f.Data)
	}
	v, err := json.Marshal(values)
	if err != nil {
		return "", fmt.Errorf("encoding values: %w", err)
	}
	_, _ = h.Write(v)
	return hex.EncodeToString(h.Sum(nil))[:60], nil
}
