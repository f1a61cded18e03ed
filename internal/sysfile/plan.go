package sysfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Access is what this process may do without sudo. Tests inject it, so the
// path a laptop user takes (sudo) is tested whoever runs the tests.
// The zero Access is this process: os.Geteuid and access(2).
type Access struct {
	// Euid is the effective user id; 0 (root) never uses sudo.
	Euid int
	// Writable reports whether this process can write path, or create it
	// in its nearest existing parent directory.
	Writable func(path string) bool
}

// Current is this process's Access.
func Current() Access { return Access{Euid: os.Geteuid(), Writable: writable} }

// OrCurrent returns a, or this process's Access when a is the zero Access.
func (a Access) OrCurrent() Access {
	if a.Writable == nil {
		return Current()
	}
	return a
}

// NeedsSudo reports whether a command that changes the system (restarting
// a service) needs sudo.
func (a Access) NeedsSudo() bool { return a.OrCurrent().Euid != 0 }

// Owner is a file's numeric owner and group.
type Owner struct{ UID, GID int }

// Change is one planned change of one file. Make it with PlanWrite or
// PlanRemove; the exported fields say what was found and decided.
type Change struct {
	// Path is the file changed: the target when the path asked for is a
	// symlink (the link stays, as with an in-place write).
	Path string
	// Remove: the file is removed; otherwise it gets Content.
	Remove  bool
	Content []byte
	// Exists: the file is there now. Mode is the mode it keeps (or the one
	// asked for a new file); Owner the owner it keeps (nil for a new file,
	// which belongs to whoever writes it: root through sudo).
	Exists bool
	Mode   fs.FileMode
	Owner  *Owner
	// PrevSize is the current size, to restore an in-place file.
	PrevSize int64
	// InPlace: Path is a mount point, which rename cannot replace; it is
	// rewritten in its inode after a backup. Set by PlanWrite; tests may set it.
	InPlace bool
	// Sudo: this process cannot make the change itself; Apply makes it
	// through sudo, one command at a time.
	Sudo bool
	// mkdir: the directory is missing and is created (0755).
	mkdir bool
}

// The names of the temporary and backup files, next to the file: hidden,
// so that drop-in directories that read every file (dnsmasq's conf-dir)
// skip them.
func tmpPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".devstack-tmp")
}

// BackupPath is where Apply keeps a file's previous content until the new
// content is verified. A file left there means a write was interrupted
// before its verification; the file itself is whole either way.
func BackupPath(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".devstack-bak")
}

// PlanWrite plans giving path content. An existing file keeps its mode and
// owner; a new one gets mode (and its directory, if missing, 0755).
func PlanWrite(path string, content []byte, mode fs.FileMode, a Access) (Change, error) {
	c, err := inspect(path, a)
	if err != nil {
		return c, err
	}
	c.Content = content
	if !c.Exists {
		c.Mode = mode.Perm()
	}
	c.InPlace = c.Exists && isMountPoint(c.Path)
	return c, nil
}

// PlanRemove plans removing path. Removing a missing file does nothing.
func PlanRemove(path string, a Access) (Change, error) {
	c, err := inspect(path, a)
	c.Remove = true
	return c, err
}

func inspect(path string, a Access) (Change, error) {
	a = a.OrCurrent()
	c := Change{Path: path}
	if target, err := filepath.EvalSymlinks(path); err == nil {
		c.Path = target
	}
	fi, err := os.Stat(c.Path)
	switch {
	case err == nil && !fi.Mode().IsRegular():
		return c, fmt.Errorf("%s is not a regular file", c.Path)
	case err == nil:
		c.Exists, c.Mode, c.Owner, c.PrevSize = true, fi.Mode().Perm(), ownerOf(fi), fi.Size()
	case errors.Is(err, fs.ErrNotExist):
		_, derr := os.Stat(filepath.Dir(c.Path))
		c.mkdir = errors.Is(derr, fs.ErrNotExist)
	default:
		return c, fmt.Errorf("reading %s: %w", c.Path, err)
	}
	c.Sudo = a.Euid != 0 && !a.canReplace(c)
	return c, nil
}

// canReplace: a replace needs the directory (a new file in it, a rename)
// and the right to give the new file the old one's owner; an in-place
// rewrite needs the file itself.
func (a Access) canReplace(c Change) bool {
	if c.Exists && isMountPoint(c.Path) {
		return a.Writable(c.Path)
	}
	if c.Owner != nil && c.Owner.UID != a.Euid {
		return false
	}
	return a.Writable(filepath.Dir(c.Path))
}

// Noop reports whether applying c would change nothing.
func (c Change) Noop() bool { return c.Remove && !c.Exists }

// Leftovers lists the files an interrupted Apply left next to path (its
// temporary, its backup), to be removed with PlanRemove. The file itself
// is whole whenever it was replaced by rename, so both are stale. The
// backup of a mount point (rewritten in place) is never listed: it may be
// the only whole copy, and is for a person to look at.
func Leftovers(path string) []string {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	var out []string
	for _, p := range []string{tmpPath(path), BackupPath(path)} {
		if p == BackupPath(path) && isMountPoint(path) {
			continue
		}
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			out = append(out, p)
		}
	}
	return out
}
