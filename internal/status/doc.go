// Package status collects what `devstack status` shows: the cluster, each
// component's release and readiness, the resolver, the OS routing and the
// URLs. A component that cannot be read says why in its row instead of
// failing the whole report.
package status
