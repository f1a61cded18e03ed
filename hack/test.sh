#!/usr/bin/env bash
# Runs every test devstack has, on a machine that may be fresh: it installs
# what the tests need first (Kubernetes binaries built from Go modules for
# the control-plane tests), then vets and runs the whole suite with -race.
set -euo pipefail
cd "$(dirname "$0")/.."

phase() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
start=$(date +%s)

phase "toolchain"
go version
export GOFLAGS="${GOFLAGS:-} -mod=readonly"

if [ -x hack/build-k8s.sh ]; then
  phase "Kubernetes binaries for the control-plane tests"
  t=$(date +%s)
  bash hack/build-k8s.sh
  echo "built or reused in $(( $(date +%s) - t ))s"
fi

if [ -x hack/build-flux.sh ]; then
  phase "Flux controllers for the export test"
  t=$(date +%s)
  bash hack/build-flux.sh
  echo "built or reused in $(( $(date +%s) - t ))s"
fi

phase "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt'ed:"; echo "$unformatted"; exit 1
fi

phase "go vet"
go vet ./...

phase "go test -race"
go test -race -count=1 -timeout 40m ./...

# The end-to-end lane on a real kind cluster: a Docker engine, an offline
# node image, then devstack up/status/down/reset as a user runs them. It
# needs root (dockerd, debootstrap); CI runs as root, and so must a
# developer who wants it: sudo bash hack/e2e/run.sh.
if [ "$(id -u)" -eq 0 ]; then
  phase "end-to-end lane (hack/e2e/run.sh)"
  bash hack/e2e/run.sh
elif [ "${CI:-}" = "true" ]; then
  echo "CI must run the end-to-end lane, which needs root" >&2
  exit 1
else
  phase "end-to-end lane skipped: it needs root (sudo bash hack/e2e/run.sh)"
fi

echo
echo "all tests passed in $(( $(date +%s) - start ))s"
