package helm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/devstack-dev/devstack/internal/paths"
	"github.com/devstack-dev/devstack/internal/stack"
)

// maxChartBytes bounds a downloaded chart archive or index.
const maxChartBytes = 64 << 20

// loadChart returns the component's chart: from the embedded profiles,
// from a path, or from the download cache, downloading it into the cache
// first when it is not there. Remote charts must be pinned to a version:
// the version is part of the cache key, so a cached chart is never stale.
func (in *Installer) loadChart(ctx context.Context, c stack.Planned) (*chart.Chart, error) {
	ch := c.Chart
	switch {
	case ch == nil:
		return nil, fmt.Errorf("component %s has no chart", c.Name)
	case ch.Path != "" && ch.Embedded:
		return LoadFS(in.opts.ChartFS, ch.Path)
	case ch.Path != "":
		p := ch.Path
		if !filepath.IsAbs(p) && c.Dir != "" {
			p = filepath.Join(c.Dir, p)
		}
		return loader.Load(p)
	case ch.Version == "" && (ch.OCI != "" || ch.Repo != ""):
		return nil, fmt.Errorf("chart of %s must be pinned to a version", c.Name)
	case ch.OCI != "":
		return in.cached(ctx, in.ociCachePath(ch), func(ctx context.Context) ([]byte, error) { return in.pullOCI(ctx, ch) })
	case ch.Repo != "" && ch.Name != "":
		return in.cached(ctx, in.repoCachePath(ch), func(ctx context.Context) ([]byte, error) { return in.downloadFromRepo(ctx, ch) })
	}
	return nil, fmt.Errorf("chart of %s names no path, OCI reference or repository and name", c.Name)
}

// cached loads the archive at file, or fetches, checks and stores it.
func (in *Installer) cached(ctx context.Context, file string, fetch func(context.Context) ([]byte, error)) (*chart.Chart, error) {
	if c, err := loader.LoadFile(file); err == nil {
		return c, nil
	}
	data, err := fetch(ctx)
	if err != nil {
		return nil, err
	}
	c, err := loader.LoadArchive(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("loading the downloaded chart: %w", err)
	}
	if err := paths.WritePrivate(file, data); err != nil {
		return nil, fmt.Errorf("caching the chart: %w", err)
	}
	in.downloads.Add(1)
	return c, nil
}

func (in *Installer) repoCachePath(ch *stack.Chart) string {
	sum := sha256.Sum256([]byte(strings.TrimSuffix(ch.Repo, "/")))
	return filepath.Join(in.opts.CacheDir, "charts", "repo", hex.EncodeToString(sum[:8]), ch.Name+"-"+ch.Version+".tgz")
}

func (in *Installer) ociCachePath(ch *stack.Chart) string {
	ref := strings.TrimPrefix(ch.OCI, "oci://")
	safe := strings.NewReplacer(":", "_", "@", "_").Replace(ref)
	return filepath.Join(in.opts.CacheDir, "charts", "oci", filepath.FromSlash(safe)+"-"+ch.Version+".tgz")
}

// downloadFromRepo reads the repository's index, finds the pinned version
// and downloads its archive, checking the digest the index gives.
func (in *Installer) downloadFromRepo(ctx context.Context, ch *stack.Chart) ([]byte, error) {
	base := strings.TrimSuffix(ch.Repo, "/")
	index, err := in.httpGet(ctx, base+"/index.yaml")
	if err != nil {
		return nil, fmt.Errorf("reading the index of %s: %w", ch.Repo, err)
	}
	// repo.LoadIndexFile is the public parser; it wants a file.
	tmp, err := os.CreateTemp("", "devstack-index-*.yaml")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(index)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return nil, fmt.Errorf("reading the index of %s: %w", ch.Repo, err)
	}
	idx, err := repo.LoadIndexFile(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("parsing the index of %s: %w", ch.Repo, err)
	}
	cv, err := idx.Get(ch.Name, ch.Version)
	if err != nil {
		return nil, fmt.Errorf("chart %s %s in %s: %w", ch.Name, ch.Version, ch.Repo, err)
	}
	if len(cv.URLs) == 0 {
		return nil, fmt.Errorf("chart %s %s in %s has no download URL", ch.Name, ch.Version, ch.Repo)
	}
	u, err := repo.ResolveReferenceURL(base+"/", cv.URLs[0])
	if err != nil {
		return nil, fmt.Errorf("chart %s %s: %w", ch.Name, ch.Version, err)
	}
	data, err := in.httpGet(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("downloading chart %s %s: %w", ch.Name, ch.Version, err)
	}
	if cv.Digest != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != cv.Digest {
			return nil, fmt.Errorf("chart %s %s from %s: digest %s, the index says %s", ch.Name, ch.Version, u, got, cv.Digest)
		}
	}
	return data, nil
}

func (in *Installer) httpGet(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "devstack")
	resp, err := in.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxChartBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if len(data) > maxChartBytes {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", url, maxChartBytes)
	}
	return data, nil
}

// pullOCI pulls "<oci>:<version>" with Helm's registry client, which reads
// the credentials of `helm registry login`.
func (in *Installer) pullOCI(ctx context.Context, ch *stack.Chart) ([]byte, error) {
	opts := []registry.ClientOption{registry.ClientOptHTTPClient(in.http), registry.ClientOptWriter(io.Discard)}
	if in.opts.PlainHTTPRegistry {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	if in.opts.RegistryConfig != "" {
		opts = append(opts, registry.ClientOptCredentialsFile(in.opts.RegistryConfig))
	}
	rc, err := registry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("creating the OCI registry client: %w", err)
	}
	ref := strings.TrimPrefix(ch.OCI, "oci://") + ":" + ch.Version
	// The registry client takes no context; bound the wait for it.
	type result struct {
		r   *registry.PullResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := rc.Pull(ref, registry.PullOptWithChart(true))
		done <- result{r, err}
	}()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("pulling %s: %w", ref, ctx.Err())
	case res := <-done:
		if res.err != nil {
			return nil, fmt.Errorf("pulling %s: %w", ref, res.err)
		}
		return res.r.Chart.Data, nil
	}
}

// LoadFS loads the chart in directory dir of fsys (the embedded profiles):
// exactly the files the binary ships.
func LoadFS(fsys fs.FS, dir string) (*chart.Chart, error) {
	if fsys == nil {
		return nil, fmt.Errorf("chart %s is embedded but the installer has no ChartFS", dir)
	}
	dir = path.Clean(dir)
	var files []*loader.BufferedFile
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(p, dir+"/"), Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading embedded chart %s: %w", dir, err)
	}
	c, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("loading embedded chart %s: %w", dir, err)
	}
	return c, nil
}
