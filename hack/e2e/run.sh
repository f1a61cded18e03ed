#!/usr/bin/env bash
# The end-to-end lane: prepares the machine (Docker engine), builds the
# offline kind node image, then runs test/e2e against it with the devstack
# binary built from this checkout. Every phase prints its duration
# ("PHASE name seconds"); the test prints its own phases (cluster creation,
# installs, convergence, down/up, reset).
#
#   hack/e2e/run.sh            # needs root (dockerd, debootstrap, chroot)
#
# Caches (node image, debootstrap tree, binaries) make a second run skip the
# preparation; see hack/e2e/node-image.sh.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_root "the end-to-end lane"
mkdir -p "${E2E_CACHE}"
phase "machine preparation" "${E2E_DIR}/docker.sh"
phase "image build" bash -c "\"${E2E_DIR}/node-image.sh\" >\"${E2E_CACHE}/node-image.ref\""
DEVSTACK_E2E_IMAGE=$(cat "${E2E_CACHE}/node-image.ref")
export DEVSTACK_E2E_IMAGE
log "node image: ${DEVSTACK_E2E_IMAGE}"
# the registry image devstack's caches run, and the upstream holding the
# e2e profile's images (KEY=VALUE lines)
phase "registries" bash -c "\"${E2E_DIR}/upstream.sh\" >\"${E2E_CACHE}/upstream.env\""
set -a
# shellcheck source=/dev/null
source "${E2E_CACHE}/upstream.env"
set +a
log "registry image: ${DEVSTACK_REGISTRY_IMAGE}, upstream: ${DEVSTACK_E2E_UPSTREAM}"
cd "${REPO_ROOT}"
# The kind lifecycle test needs the same image; -p 1: one cluster at a time.
phase "end-to-end test" go test -count=1 -p 1 -timeout 60m -v -run '^(TestIntegrationEndToEnd|TestIntegrationLifecycle)$' ./test/e2e/ ./internal/kind/
