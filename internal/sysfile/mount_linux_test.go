package sysfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestMountinfo(t *testing.T) {
	t.Parallel()
	if got := unescapeMountinfo(`/mnt/a\040b\134c`); got != `/mnt/a b\c` {
		t.Errorf("unescape %q", got)
	}
	if _, err := os.Stat("/proc/self/mountinfo"); err != nil {
		t.Skip("no /proc/self/mountinfo")
	}
	if !isMountPoint("/") {
		t.Error("/ is not a mount point")
	}
	f := filepath.Join(t.TempDir(), "f")
	writeFile(t, f, "x", 0o644)
	if isMountPoint(f) {
		t.Errorf("%s is a mount point", f)
	}
}
