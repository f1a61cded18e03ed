// Package osdns routes the resolver's domains from the operating system to
// devstack's resolver, and takes the routing away again.
//
// It plans before it acts: Plan and PlanUndo read the machine (under a root
// directory, so tests run on temporary trees) and return a Changeset that
// lists every file written or removed, with its exact new content, and
// every command run, each marked when it needs root, with the exact steps
// (Change.Steps: the sudo commands). Apply carries a Changeset out,
// through sudo only for the changes that need it. Files are replaced as
// package sysfile does it: atomically, backed up until read back, never
// truncated in place, and a started change is never cut short by Ctrl-C.
// Verify checks the result with a real lookup through the system resolver.
//
// Options injects what the plan depends on beyond the files: the euid and
// the writability check (Access), so the root path and the sudo path are
// both tested whoever runs the tests, and the live state of
// systemd-resolved (Live: resolvectl), so that a drop-in in place but not
// loaded (an install interrupted before the restart) still gets its
// restart from the next install.
//
// Per system:
//   - macOS: /etc/resolver/<domain> with nameserver and port.
//   - Linux with systemd-resolved: a drop-in in /etc/systemd/resolved.conf.d
//     with the domains as routing domains (~domain) and DNS=ip:port.
//   - Linux with NetworkManager's dnsmasq: a server=/domain/ip#port drop-in.
//   - Otherwise, and for .local where mDNS comes first (macOS; nss-mdns on
//     Linux), and when verification fails: a block in /etc/hosts with
//     127.0.0.1 and ::1 for every known host, between marker lines.
//
// Every file and block carries the Marker, so uninstall finds everything
// devstack wrote without any state. /etc/resolv.conf is never written.
package osdns
