// Package dns is devstack's embedded resolver: an authoritative server for
// the stack's domains ("local" by default) that answers every name in them
// with the loopback Traefik entry point, on 127.0.0.1 and ::1 only.
//
// The pieces, each usable alone:
//
//   - Handler answers one query (a dns.Handler, tested with a recorder and
//     no sockets).
//   - Server binds the loopback addresses over UDP and TCP and serves the
//     Handler until shut down.
//   - EnsureRunning, Stop and ReadStatus manage the background process that
//     `devstack up` leaves behind: a re-exec of the running binary as
//     `devstack dns serve --state-dir DIR`, with its pid, status and log in
//     devstack's state directory and a lock file that keeps it single.
//
// Subpackage osdns routes the domains from the operating system to the
// resolver; subpackage coredns makes pods resolve the same names.
package dns
