package flux

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/devstack-dev/devstack/internal/stack"
)

// addChart copies a local chart into charts/<component>/: from the
// embedded profiles for the catalog's charts, from disk for the user's.
func addChart(t Tree, chartFS fs.FS, c stack.Planned) error {
	var fsys fs.FS
	root := c.Chart.Path
	if c.Chart.Embedded {
		if chartFS == nil {
			return fmt.Errorf("export: chart %s of %s is embedded but no chart FS was given", root, c.Name)
		}
		fsys = chartFS
	} else {
		fsys, root = os.DirFS(root), "."
	}
	n := 0
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p, root), "/")
		t[path.Join(localChartDir(c), rel)] = data
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("export: copying the chart of %s from %s: %w", c.Name, c.Chart.Path, err)
	}
	if n == 0 {
		return fmt.Errorf("export: the chart of %s at %s has no files", c.Name, c.Chart.Path)
	}
	return nil
}
