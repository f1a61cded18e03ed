// Package event defines the one stream through which every part of
// devstack reports progress: the kind cluster steps, the DNS resolver, the
// doctor checks and the graph of Helm installs. The terminal view, the plain
// printer and the JSON printer all read the same events, so there is exactly
// one flow from the work to whatever shows it.
package event
