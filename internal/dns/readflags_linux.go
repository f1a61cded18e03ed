package dns

import "golang.org/x/sys/unix"

// readFlags make recvmmsg on the blocking socket return as soon as one
// query is there, with whatever else is already queued, instead of waiting
// for a whole batch.
const readFlags = unix.MSG_WAITFORONE
