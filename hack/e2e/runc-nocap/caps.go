package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// capNumbers maps Linux capability names to their bit numbers
// (linux/capability.h).
var capNumbers = map[string]uint{
	"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3,
	"CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8,
	"CAP_LINUX_IMMUTABLE": 9, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11,
	"CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15,
	"CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19,
	"CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
	"CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27,
	"CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31,
	"CAP_MAC_OVERRIDE": 32, "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35,
	"CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
	"CAP_CHECKPOINT_RESTORE": 40,
}

// boundingSet reads CapBnd from a /proc/<pid>/status file.
func boundingSet(statusFile string) (uint64, error) {
	f, err := os.Open(statusFile)
	if err != nil {
		return 0, fmt.Errorf("reading the capability bounding set: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing CapBnd %q: %w", v, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("no CapBnd line in %s", statusFile)
}

// grantable reports whether a capability name can be granted under the
// bounding set; unknown names are kept (runc will judge them).
func grantable(name string, bounding uint64) bool {
	n, ok := capNumbers[name]
	return !ok || bounding&(1<<n) != 0
}

// rewriteSpec removes ungrantable capabilities from an OCI runtime spec
// (config.json: under "process") or a process spec (exec --process: at the
// top level), and raises an oomScoreAdj the host cannot grant, keeping every
// other field as it was. The file is rewritten only when something changed.
func rewriteSpec(path string, isProcess bool, bounding uint64) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("parsing %s: %w", path, err)
	}
	process := doc
	if !isProcess {
		p, ok := doc["process"].(map[string]any)
		if !ok {
			return nil
		}
		process = p
	}
	changed := false
	if caps, ok := process["capabilities"].(map[string]any); ok {
		changed = dropCaps(caps, bounding)
	}
	if clampOOMScoreAdj(process, bounding, currentOOMScoreAdj) {
		changed = true
	}
	if !changed {
		return nil
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.WriteFile(path, out, st.Mode().Perm()); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// dropCaps filters every capability set (bounding, effective, inheritable,
// permitted, ambient) in place and reports whether anything was removed.
func dropCaps(caps map[string]any, bounding uint64) bool {
	changed := false
	for set, v := range caps {
		list, ok := v.([]any)
		if !ok {
			continue
		}
		kept := make([]any, 0, len(list))
		for _, c := range list {
			if name, ok := c.(string); ok && !grantable(name, bounding) {
				changed = true
				continue
			}
			kept = append(kept, c)
		}
		caps[set] = kept
	}
	return changed
}

// currentOOMScoreAdj is this process's oom_score_adj, the lowest value a
// process without CAP_SYS_RESOURCE may give its children. A variable so
// tests can fix it.
var currentOOMScoreAdj = func() (int, error) {
	b, err := os.ReadFile("/proc/self/oom_score_adj")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// clampOOMScoreAdj raises process.oomScoreAdj to the current value when the
// bounding set lacks CAP_SYS_RESOURCE: lowering it needs that capability,
// and runc's init then dies with "can't get final child's PID from pipe"
// (kubelet asks -998 for static pods, containerd's CRI passes it on).
func clampOOMScoreAdj(process map[string]any, bounding uint64, current func() (int, error)) bool {
	if bounding&(1<<capNumbers["CAP_SYS_RESOURCE"]) != 0 {
		return false
	}
	v, ok := process["oomScoreAdj"].(float64)
	if !ok {
		return false
	}
	cur, err := current()
	if err != nil || int(v) >= cur {
		return false
	}
	process["oomScoreAdj"] = cur
	return true
}
