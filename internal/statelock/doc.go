// Package statelock makes `up`, `down` and `reset` exclusive per state
// directory: each holds an flock on a file in it for its whole run, so two
// runs at once cannot both create a cluster or half-delete one another's
// state. The kernel drops the lock when the process dies, so a crash never
// leaves it stuck. The file names its holder (pid and command line) for
// the message the second run prints.
package statelock
