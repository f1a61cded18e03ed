// Package testcluster runs a real Kubernetes control plane on loopback for
// integration tests: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler built from their Go modules by hack/build-k8s.sh, plus kwok
// simulating a node so that pods are scheduled and become Ready without a
// container runtime. No Docker, no image registry, no downloads once the
// binaries are cached.
//
// Start one control plane per test binary (it takes a few seconds) with
// Shared in TestMain, or a private one per test with New.
package testcluster
