// Package applied remembers what `devstack up` applied (profile, files,
// --set values, --only, the cluster or context) in the state directory, and
// owns the one rule by which every other command chooses its stack and
// cluster: the flag, then the record, then the default. So `devstack
// status` after `devstack up --profile minimal` shows the minimal stack
// and its cluster.
package applied
