// Package hostdns is the DNS phase of `devstack up`: it starts the
// background resolver, routes the stack's domain to it from the operating
// system (when that needs no password prompt) and makes the cluster's pods
// resolve the same names through a CoreDNS rewrite. Each step reports
// through the event sink; a step that cannot apply here (no root, no
// CoreDNS) is a warning, not a failure, since the stack works without it.
package hostdns
