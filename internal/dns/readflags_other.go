//go:build !linux

package dns

// readFlags: elsewhere x/net reads one packet per call.
const readFlags = 0
