package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Unused returns, per repository path, the tags a registry holds that are
// not in used ("repo:tag" of the images every profile runs), sorted. A tag
// whose manifest a used tag shares is kept: deleting a manifest deletes it
// for every tag.
func (c *Contents) Unused(used map[string]bool) map[string][]string {
	keep := map[string]bool{} // repo@digest of used tags
	for repo, tags := range c.Repositories() {
		for _, t := range tags {
			if used[repo+":"+t] {
				keep[repo+"@"+c.tag(repo, t)] = true
			}
		}
	}
	out := map[string][]string{}
	for repo, tags := range c.Repositories() {
		for _, t := range tags {
			if !used[repo+":"+t] && !keep[repo+"@"+c.tag(repo, t)] {
				out[repo] = append(out[repo], t)
			}
		}
		sort.Strings(out[repo])
		if len(out[repo]) == 0 {
			delete(out, repo)
		}
	}
	return out
}

// maintenanceName is the throw-away registry that deletes from a cache's
// volume: a cache refuses deletes (it is a proxy).
func maintenanceName(container string) string { return container + "-prune" }

// Prune deletes from the cache of host the tags in unused (repository ->
// tags) and frees their blobs with distribution's own garbage collector.
// The cache is stopped meanwhile and started again; it returns the bytes
// freed (from du).
func (m *Manager) Prune(ctx context.Context, host string, c *Contents, unused map[string][]string) (int64, error) {
	e := m.opts.Engine
	name := CacheName(host)
	before, _ := m.volumeBytes(ctx, name)
	if _, err := e.run(ctx, nil, "stop", name); err != nil {
		return 0, fmt.Errorf("stopping %s to prune it: %w", name, err)
	}
	restart := func(err error) error {
		_, _ = e.run(context.WithoutCancel(ctx), nil, "rm", "-f", maintenanceName(name))
		if _, serr := e.run(context.WithoutCancel(ctx), nil, "start", name); serr != nil {
			err = errors.Join(err, fmt.Errorf("starting %s again: %w", name, serr))
		}
		return err
	}
	files, err := LocalFiles() // plain, deletes enabled
	if err != nil {
		return 0, restart(err)
	}
	mt := maintenanceName(name)
	_, _ = e.run(ctx, nil, "rm", "-f", mt)
	if _, err := e.run(ctx, nil, "create", "--name", mt, "-p", fmt.Sprintf("127.0.0.1::%d", containerPort),
		"-v", name+":"+storageDir, "--entrypoint", "/bin/registry", m.opts.Image, "serve", configDir+"/"+configFile); err != nil {
		return 0, restart(fmt.Errorf("creating %s: %w", mt, err))
	}
	if err := e.copyIn(ctx, mt, configDir, files); err != nil {
		return 0, restart(err)
	}
	if _, err := e.run(ctx, nil, "start", mt); err != nil {
		return 0, restart(fmt.Errorf("starting %s: %w", mt, err))
	}
	info, err := e.inspect(ctx, mt)
	if err != nil || info == nil || info.HostPort == 0 {
		return 0, restart(fmt.Errorf("%s publishes no port: %v", mt, err))
	}
	addr := fmt.Sprintf("127.0.0.1:%d", info.HostPort)
	if err := m.ready(ctx, addr); err != nil {
		return 0, restart(err)
	}
	var errs []error
	for _, repo := range sortedKeys(unused) {
		for _, tag := range unused[repo] {
			if err := deleteManifest(ctx, addr, repo, c.tag(repo, tag)); err != nil {
				errs = append(errs, fmt.Errorf("%s/%s:%s: %w", host, repo, tag, err))
			}
		}
	}
	if _, err := e.run(ctx, nil, "stop", mt); err != nil {
		errs = append(errs, err)
	}
	// distribution's collector: blobs no manifest references any more
	if _, err := e.run(ctx, nil, "run", "--rm", "-v", name+":"+storageDir, "--entrypoint", "/bin/registry", m.opts.Image,
		"garbage-collect", "--delete-untagged", "/etc/distribution/config.yml"); err != nil {
		errs = append(errs, fmt.Errorf("garbage-collecting %s: %w", name, err))
	}
	err = restart(errors.Join(errs...))
	after, _ := m.volumeBytes(ctx, name)
	return max(before-after, 0), err
}

func deleteManifest(ctx context.Context, addr, repo, digest string) error {
	if digest == "" {
		return errors.New("no manifest digest")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, fmt.Sprintf("http://%s/v2/%s/manifests/%s", addr, repo, digest), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusNotFound {
		return fmt.Errorf("DELETE: %s", resp.Status)
	}
	return nil
}

// volumeBytes is du of a running registry's storage.
func (m *Manager) volumeBytes(ctx context.Context, container string) (int64, error) {
	out, err := m.opts.Engine.run(ctx, nil, "exec", container, "du", "-sk", storageDir)
	if err != nil {
		return 0, err
	}
	kb, err := parseDu(string(out))
	return kb * 1024, err
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// UsedTags turns normalised references of host into the "repo:tag" keys
// Unused takes; references by digest alone keep nothing by tag.
func UsedTags(host string, refs []string) map[string]bool {
	used := map[string]bool{}
	for _, r := range refs {
		h, repo, id, err := SplitRef(r)
		if err != nil || h != host || strings.Contains(id, ":") {
			continue
		}
		used[repo+":"+id] = true
	}
	return used
}

// PruneReport says what PruneUnused removed (or would remove).
type PruneReport struct {
	// Removed are "host/repo:tag" references, sorted per cache.
	Removed []string `json:"removed"`
	Freed   int64    `json:"freed"`
}

// PruneUnused removes from every running cache the tags that no reference
// of used names (normalised references of every profile); dryRun only
// lists them. The local registry, the user's own images, is left alone.
func (m *Manager) PruneUnused(ctx context.Context, used []string, dryRun bool) (PruneReport, error) {
	var rep PruneReport
	regs, err := m.List(ctx)
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, r := range regs {
		if r.Local || !r.Running {
			continue
		}
		c, err := m.ReadContents(ctx, r.Container)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		unused := c.Unused(UsedTags(r.Host, used))
		for _, repo := range sortedKeys(unused) {
			for _, tag := range unused[repo] {
				rep.Removed = append(rep.Removed, r.Host+"/"+repo+":"+tag)
			}
		}
		if dryRun || len(unused) == 0 {
			continue
		}
		n, err := m.Prune(ctx, r.Host, c, unused)
		rep.Freed += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}
