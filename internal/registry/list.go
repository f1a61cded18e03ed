package registry

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/devstack-dev/devstack/internal/enginecli"
)

// Existing is one of devstack's registry containers as it is now.
type Existing struct {
	Registry
	Running bool   `json:"running"`
	Status  string `json:"status"`
}

// List returns devstack's registry containers, running or not, sorted by
// name, without changing anything.
func (m *Manager) List(ctx context.Context) ([]Existing, error) {
	names, err := m.opts.Engine.listRegistries(ctx)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var out []Existing
	for _, n := range names {
		c, err := m.opts.Engine.inspect(ctx, n)
		if err != nil {
			return nil, err
		}
		if c == nil {
			continue
		}
		e := Existing{Registry: Registry{Container: n, Host: c.Labels[labelUpstream], Local: c.Labels[labelRole] == roleLocal}, Running: c.Running, Status: c.Status}
		if c.HostPort > 0 {
			e.Addr = fmt.Sprintf("127.0.0.1:%d", c.HostPort)
		}
		out = append(out, e)
	}
	return out, nil
}

// RemoveAll deletes devstack's registry containers and their volumes, and
// returns what it removed, for `devstack reset --all`.
func (m *Manager) RemoveAll(ctx context.Context) ([]string, error) {
	regs, err := m.List(ctx)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, r := range regs {
		if _, err := m.opts.Engine.run(ctx, nil, "rm", "-f", r.Container); err != nil {
			errs = append(errs, err)
			continue
		}
		what := "cache of " + r.Host
		if r.Local {
			what = "local registry " + r.Host
		}
		removed = append(removed, fmt.Sprintf("%s (container %s)", what, r.Container))
		if _, err := m.opts.Engine.run(ctx, nil, "volume", "rm", r.Container); err != nil && !enginecli.NoSuch(err) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, "volume "+r.Container+" and the images in it")
	}
	return removed, errors.Join(errs...)
}

// DiskUsage is the bytes the registries' volumes hold, measured inside the
// running containers (du of their storage: the volumes may live in the
// engine's VM); stopped ones are not counted.
func (m *Manager) DiskUsage(ctx context.Context) (int64, error) {
	regs, err := m.List(ctx)
	if err != nil {
		return 0, err
	}
	var total int64
	var errs []error
	for _, r := range regs {
		if !r.Running {
			continue
		}
		out, err := m.opts.Engine.run(ctx, nil, "exec", r.Container, "du", "-sk", storageDir)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		kb, err := parseDu(string(out))
		if err != nil {
			errs = append(errs, fmt.Errorf("du in %s: %w", r.Container, err))
			continue
		}
		total += kb * 1024
	}
	return total, errors.Join(errs...)
}

func parseDu(out string) (int64, error) {
	f := strings.Fields(out)
	if len(f) == 0 {
		return 0, fmt.Errorf("no output")
	}
	return strconv.ParseInt(f[0], 10, 64)
}
