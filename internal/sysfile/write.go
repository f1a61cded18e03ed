package sysfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFile replaces path with data, mode perm, atomically and durably:
// a temporary file in the same directory, fsynced, renamed over path, and
// the directory fsynced, so that after a crash path holds either its old
// or its new content, never a part. For this process's own files (state);
// root-owned files go through PlanWrite and Apply.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	// A random name, unlike Apply's: two processes may write the same
	// state file at once, and neither may rename the other's half-written
	// temporary.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".devstack-tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	_, werr := f.Write(data)
	if err := closeAfter(f, werr, f.Chmod(perm.Perm()), f.Sync()); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := renameSynced(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeTemp creates tmp afresh (a stale one from an interrupted run is
// removed; O_EXCL refuses a planted symlink) with data, mode and owner,
// and fsyncs it.
func writeTemp(tmp string, data []byte, mode fs.FileMode, owner *Owner) error {
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Chmod(mode.Perm())
	var oerr error
	if owner != nil {
		oerr = f.Chown(owner.UID, owner.GID)
	}
	if err := closeAfter(f, werr, cerr, oerr, f.Sync()); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

// closeAfter closes f and joins the errors of what was done with it.
func closeAfter(f *os.File, errs ...error) error {
	return errors.Join(append(errs, f.Close())...)
}

func renameSynced(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	return syncDir(filepath.Dir(to))
}

func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// copySynced copies from to a fresh file to, with mode, fsynced.
func copySynced(from, to string, mode fs.FileMode) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeTemp(to, b, mode, nil)
}

// overwriteSynced writes data at the start of path without truncating it
// first (the cut to length is a step of its own).
func overwriteSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, werr := f.WriteAt(data, 0)
	return closeAfter(f, werr, f.Sync())
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	serr := d.Sync()
	if errors.Is(serr, syscall.EINVAL) || errors.Is(serr, syscall.ENOTSUP) {
		serr = nil // file systems that cannot sync a directory (some FUSE ones)
	}
	return closeAfter(d, serr)
}
