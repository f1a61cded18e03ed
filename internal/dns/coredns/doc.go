// Package coredns makes pods resolve the stack's domains the way the host
// does: it adds a rewrite to the cluster's CoreDNS (the Corefile in the
// kube-system/coredns ConfigMap) that sends *.<domain> to the Traefik
// service's cluster name, between marker comments, so the edit is
// idempotent and removable.
package coredns
