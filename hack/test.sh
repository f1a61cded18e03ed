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

phase "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "not gofmt'ed:"; echo "$unformatted"; exit 1
fi

phase "go vet"
go vet ./...

phase "go test -race"
go test -race -count=1 -timeout 40m ./...

echo
echo "all tests passed in $(( $(date +%s) - start ))s"
