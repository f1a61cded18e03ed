// Package osdns routes the resolver's domains from the operating system to
// devstack's resolver, and takes the routing away again.
//
// It plans before it acts: Plan and PlanUndo read the machine (under a root
// directory, so tests run on temporary trees) and return a Changeset that
// lists every file written or removed, with its exact new content, and
// every command run, each marked when it needs root. Apply carries a
// Changeset out, through sudo only for the changes that need it. Verify
// checks the result with a real lookup through the system resolver.
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
