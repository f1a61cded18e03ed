// Package reset is `devstack reset`: it removes what devstack made (its
// kind clusters, or with --context its releases and the CoreDNS rewrite,
// the background resolver, the OS DNS set-up) and then its state
// directory, going on past a failing step so one stuck piece does not keep
// the rest in place.
//
// The state directory is the record of what is left: it is removed only
// when every step succeeded, so a failed step keeps its record and the
// next reset finishes the job.
package reset
