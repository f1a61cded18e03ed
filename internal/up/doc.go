// Package up is the one flow of `devstack up`: preflight checks, the
// cluster, the DNS resolver, then the graph of installs, each reporting
// through the same event sink. The command line, the terminal view and the
// end-to-end tests all drive this flow; there is no second path.
//
// The steps are small interfaces declared here and implemented by
// internal/preflight (the machine checks), internal/kind (the cluster),
// internal/hostdns (the DNS phase) and internal/helm (the installs), so the
// flow is tested with fakes and each package is tested against the real
// thing on its own.
package up
