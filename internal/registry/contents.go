package registry

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/devstack-dev/devstack/internal/enginecli"
)

// repositoriesDir is distribution's filesystem layout (stable since v2.0):
// per repository, tags and manifest revisions are link files naming a
// digest, and every blob the repository holds is linked under _layers. A
// blob is linked only once it was stored whole, so the links say exactly
// what a cache can serve without its upstream.
const repositoriesDir = storageDir + "/docker/registry/v2/repositories"

// Contents is what a registry holds, read from its storage (not through a
// cache's API, which would ask the upstream).
type Contents struct {
	// files maps a path under repositories/ to the link it holds.
	files map[string]string
}

// ReadContents reads the repository links of a registry container.
func (m *Manager) ReadContents(ctx context.Context, container string) (*Contents, error) {
	out, err := m.opts.Engine.copyOut(ctx, container, repositoriesDir)
	if enginecli.NoSuch(err) || (err != nil && strings.Contains(strings.ToLower(err.Error()), "could not find")) {
		return &Contents{files: map[string]string{}}, nil // nothing stored yet
	}
	if err != nil {
		return nil, err
	}
	return parseContents(out)
}

func parseContents(tarball []byte) (*Contents, error) {
	c := &Contents{files: map[string]string{}}
	tr := tar.NewReader(bytes.NewReader(tarball))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the registry's repositories: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(io.LimitReader(tr, 256))
		if err != nil {
			return nil, err
		}
		// "repositories/library/redis/_manifests/tags/7/current/link"
		_, rel, _ := strings.Cut(path.Clean(h.Name), "repositories/")
		c.files[rel] = strings.TrimSpace(string(b))
	}
}

// Repositories lists the stored repositories with their tags.
func (c *Contents) Repositories() map[string][]string {
	out := map[string][]string{}
	for p := range c.files {
		repo, rest, ok := strings.Cut(p, "/_manifests/tags/")
		if ok && strings.HasSuffix(rest, "/current/link") {
			out[repo] = append(out[repo], strings.TrimSuffix(rest, "/current/link"))
		}
	}
	return out
}

func (c *Contents) tag(repo, tag string) string {
	return c.files[repo+"/_manifests/tags/"+tag+"/current/link"]
}

func (c *Contents) hasManifest(repo string, d v1.Hash) bool {
	_, ok := c.files[repo+"/_manifests/revisions/"+d.Algorithm+"/"+d.Hex+"/link"]
	return ok
}

func (c *Contents) hasBlob(repo string, d v1.Hash) bool {
	_, ok := c.files[repo+"/_layers/"+d.Algorithm+"/"+d.Hex+"/link"]
	return ok
}

// Stored reports whether the registry at addr (whose storage c was read
// from) holds ref's repository path and tag or digest completely: the
// manifest, the platform's manifest of an index, its config and every layer.
// It reads manifests from the registry by digest, which a cache serves
// from its storage; it never asks an upstream.
func (c *Contents) Stored(ctx context.Context, addr, repo, tagOrDigest string, platform v1.Platform) (bool, int64, error) {
	var d v1.Hash
	var err error
	if strings.Contains(tagOrDigest, ":") {
		d, err = v1.NewHash(tagOrDigest)
	} else {
		link := c.tag(repo, tagOrDigest)
		if link == "" {
			return false, 0, nil
		}
		d, err = v1.NewHash(link)
	}
	if err != nil {
		return false, 0, err
	}
	for range 2 { // an index, then the platform's manifest
		if !c.hasManifest(repo, d) {
			return false, 0, nil
		}
		raw, mt, err := getManifest(ctx, addr, repo, d)
		if err != nil {
			return false, 0, err
		}
		if mt.IsIndex() {
			idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
			if err != nil {
				return false, 0, err
			}
			child, ok := pick(idx, platform)
			if !ok {
				return false, 0, fmt.Errorf("%s has no image for %s/%s", repo, platform.OS, platform.Architecture)
			}
			d = child
			continue
		}
		man, err := v1.ParseManifest(bytes.NewReader(raw))
		if err != nil {
			return false, 0, err
		}
		size := man.Config.Size
		if !c.hasBlob(repo, man.Config.Digest) {
			return false, 0, nil
		}
		for _, l := range man.Layers {
			if !c.hasBlob(repo, l.Digest) {
				return false, 0, nil
			}
			size += l.Size
		}
		return true, size, nil
	}
	return false, 0, fmt.Errorf("%s: an index inside an index", repo)
}

func pick(idx *v1.IndexManifest, p v1.Platform) (v1.Hash, bool) {
	for _, m := range idx.Manifests {
		if m.Platform != nil && m.Platform.OS == p.OS && m.Platform.Architecture == p.Architecture {
			return m.Digest, true
		}
	}
	return v1.Hash{}, false
}

var manifestTypes = strings.Join([]string{
	string(types.OCIImageIndex), string(types.OCIManifestSchema1),
	string(types.DockerManifestList), string(types.DockerManifestSchema2),
}, ", ")

func getManifest(ctx context.Context, addr, repo string, d v1.Hash) ([]byte, types.MediaType, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://%s/v2/%s/manifests/%s", addr, repo, d), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", manifestTypes)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, "", err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s@%s: %s", repo, d, resp.Status)
	}
	return raw, types.MediaType(resp.Header.Get("Content-Type")), nil
}

// SplitRef splits a normalised reference into host, repository path and
// tag or digest ("docker.io", "library/redis", "7").
func SplitRef(ref string) (host, repo, tagOrDigest string, err error) {
	r, err := name.ParseReference(ref, name.StrictValidation)
	if err != nil {
		return "", "", "", err
	}
	// the host as written: the library maps docker.io to index.docker.io
	host, _, _ = strings.Cut(ref, "/")
	return host, r.Context().RepositoryStr(), r.Identifier(), nil
}
