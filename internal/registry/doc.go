// Package registry runs devstack's image registries on the user's container
// engine: one pull-through cache per upstream registry the plan's images
// come from (docker.io, ghcr.io, quay.io, registry.k8s.io, ...) and the local
// registry for the user's own images (localhost:5001), all CNCF
// distribution registries on the kind network, with their storage in named
// volumes that `devstack reset` keeps.
//
// distribution in proxy mode mirrors exactly one upstream per instance and
// refuses pushes, so every upstream gets an instance of its own and the
// local registry is a separate, plain one. The nodes reach them by
// container name through containerd's hosts.toml (internal/kind writes
// those); devstack itself reaches them on loopback ports, to warm them
// (internal/prepull) and to tell what they hold.
//
// Registry credentials from the user's Docker configuration are given to
// the caches in their configuration file, copied into the container (never
// on a command line, in an environment variable or in output).
package registry
