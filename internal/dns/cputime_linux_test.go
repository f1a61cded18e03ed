package dns

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// architecture Linux exposes to user space that this project builds for.
const clockTick = 10 * time.Millisecond

// processCPUTime is the user+system CPU time of process pid so far, all
// its threads (living or gone) included, to 10 ms.
func processCPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// fields are counted after its closing parenthesis.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(s[i+1:])
	const utime, stime = 14 - 3, 15 - 3 // proc(5) numbers from 1; f[0] is field 3
	if len(f) <= stime {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	var total int64
	for _, k := range []int{utime, stime} {
		n, err := strconv.ParseInt(f[k], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		total += n
	}
	return time.Duration(total) * clockTick, nil
}
