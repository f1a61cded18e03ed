package doctor

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// ReadInotify is the real InotifyProbe on Linux, reading
// /proc/sys/fs/inotify; it is nil elsewhere, which leaves the check out.
var ReadInotify InotifyProbe

func init() {
	if runtime.GOOS == "linux" {
		ReadInotify = func() (Inotify, error) { return readInotify("/proc/sys/fs/inotify") }
	}
}

func readInotify(dir string) (Inotify, error) {
	read := func(name string) (int, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return 0, err
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return n, nil
	}
	w, err := read("max_user_watches")
	if err != nil {
		return Inotify{}, err
	}
	i, err := read("max_user_instances")
	if err != nil {
		return Inotify{}, err
	}
	return Inotify{MaxUserWatches: w, MaxUserInstances: i}, nil
}
