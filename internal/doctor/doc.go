// Package doctor checks, before anything is created, that this machine can
// run the stack: a reachable container engine with enough memory and CPUs
// for the profile's summed requests, free host ports for the ingress and
// the DNS resolver, inotify limits on Linux, and free disk.
//
// Each check is a small unit behind an injected probe, so every verdict is
// tested without Docker, sockets or /proc. A check says ok, warn or fail,
// and for warn and fail what to do about it. `devstack doctor` prints the
// results; `devstack up` runs the same checks and refuses to start on a
// failing one.
package doctor
