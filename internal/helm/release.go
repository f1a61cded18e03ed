package helm

import (
	"errors"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// lastRelease returns the newest revision of a release, or nil.
func lastRelease(cfg *action.Configuration, name string) (*release.Release, error) {
	r, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	return r, err
}

// markFailed rewrites a stored revision's status to failed.
func markFailed(cfg *action.Configuration, rel *release.Release, why string) error {
	r, err := cfg.Releases.Get(rel.Name, rel.Version)
	if err != nil {
		return err
	}
	if r.Info.Status == release.StatusFailed || r.Info.Status == release.StatusSuperseded {
		return nil
	}
	r.SetStatus(release.StatusFailed, why)
	return cfg.Releases.Update(r)
}

// setDigest records on the stored revision that it was applied and became
// ready with the given digest.
func setDigest(cfg *action.Configuration, rel *release.Release, dg string) error {
	r, err := cfg.Releases.Get(rel.Name, rel.Version)
	if err != nil {
		return err
	}
	if r.Labels == nil {
		r.Labels = map[string]string{}
	}
	r.Labels[LabelDigest] = dg
	return cfg.Releases.Update(r)
}
