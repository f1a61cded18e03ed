package doctor

import (
	"context"
	"fmt"
	"strings"
)

// Inotify are the kernel's inotify limits (Linux).
type Inotify struct {
	MaxUserWatches   int
	MaxUserInstances int
}

// InotifyProbe reads the inotify limits.
type InotifyProbe func() (Inotify, error)

// The limits kind's known-issues page recommends: every kubelet and many
// controllers watch files, and the defaults of many distributions run out
// with a few nodes ("too many open files" in pods).
var recommendedInotify = Inotify{MaxUserWatches: 524288, MaxUserInstances: 512}

func inotifyCheck(probe InotifyProbe) Check {
	return Check{Name: "inotify", Run: func(context.Context) Result {
		got, err := probe()
		if err != nil {
			return Result{Status: Warn, Message: fmt.Sprintf("could not read the inotify limits: %v", err)}
		}
		msg := fmt.Sprintf("max_user_watches %d, max_user_instances %d", got.MaxUserWatches, got.MaxUserInstances)
		if got.MaxUserWatches >= recommendedInotify.MaxUserWatches && got.MaxUserInstances >= recommendedInotify.MaxUserInstances {
			return Result{Status: OK, Message: msg}
		}
		r := recommendedInotify
		return Result{Status: Warn,
			Message: msg + fmt.Sprintf(": below %d and %d, pods may fail with \"too many open files\"", r.MaxUserWatches, r.MaxUserInstances),
			Fix: fmt.Sprintf("sudo sysctl fs.inotify.max_user_watches=%d fs.inotify.max_user_instances=%d, and put both in /etc/sysctl.d/99-devstack.conf to keep them",
				r.MaxUserWatches, r.MaxUserInstances)}
	}}
}

// DiskProbe returns the bytes free to the user on path's filesystem.
type DiskProbe func(path string) (free uint64, err error)

// Free disk below which the disk check fails or warns: the node image is
// about 1 GiB and the stack's images about 10 GiB more.
const (
	diskFail = 4 << 30
	diskWarn = 15 << 30
)

// DiskPath is a filesystem to check, with what lives there.
type DiskPath struct {
	Path    string
	Purpose string
}

func diskCheck(paths []DiskPath, probe DiskProbe) Check {
	return Check{Name: "disk space", Run: func(context.Context) Result {
		worst := Result{Status: OK}
		var msgs []string
		for _, p := range paths {
			free, err := probe(p.Path)
			if err != nil {
				msgs = append(msgs, fmt.Sprintf("%s (%s): could not check: %v", p.Purpose, p.Path, err))
				if worst.Status == OK {
					worst.Status = Warn
				}
				continue
			}
			msgs = append(msgs, fmt.Sprintf("%s free for %s (%s)", gib(int64(free)), p.Purpose, p.Path))
			switch {
			case free < diskFail:
				worst.Status = Fail
				worst.Fix = fmt.Sprintf("free space on %s (docker system prune removes unused images), at least %s needed", p.Path, gib(diskFail))
			case free < diskWarn && worst.Status == OK:
				worst.Status = Warn
				worst.Fix = fmt.Sprintf("the full stack's images take about 10 GiB; free space on %s (docker system prune)", p.Path)
			}
		}
		worst.Message = strings.Join(msgs, "; ")
		return worst
	}}
}
