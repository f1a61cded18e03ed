// Package e2e holds devstack's end-to-end test: it builds the devstack
// binary and drives it as a user would against a real kind cluster made from
// the offline node image hack/e2e/node-image.sh builds, with the test's own
// profile (testdata/profiles/e2e.yaml: an ingress controller, a CRD provider
// and its dependent, an HTTP echo service). The echo service is reached by
// name from the host (devstack's resolver) and from a pod (the cluster's
// CoreDNS, which devstack points the domain at the ingress Service).
//
// Run it through hack/e2e/run.sh, which prepares the machine and the image
// and then runs `go test` here with DEVSTACK_E2E_IMAGE set. Without that
// variable the test skips; under -short it skips too.
package e2e
