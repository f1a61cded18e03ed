# shellcheck shell=bash
# Shared helpers of the end-to-end lane scripts: logging, phase timing and the
# repository's paths. Sourced, never executed.

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${E2E_DIR}/../.." && pwd)"
# Everything the lane builds lives here; it survives between runs so an
# unchanged input is never rebuilt.
E2E_CACHE="${DEVSTACK_E2E_CACHE:-${XDG_CACHE_HOME:-${HOME}/.cache}/devstack-e2e}"
# Where the runc wrapper is installed: Docker's daemon.json points at it, so
# the path must not depend on the checkout.
E2E_LIBEXEC="${DEVSTACK_E2E_LIBEXEC:-/usr/local/libexec/devstack-e2e}"

log() { printf '[e2e %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# phase NAME COMMAND...: runs COMMAND and prints how long it took, in the
# format the end-to-end test also uses, so CI logs show every phase's cost.
phase() {
  local name=$1 start end rc=0
  shift
  start=$(date +%s.%N)
  log "phase ${name}: start"
  "$@" || rc=$?
  end=$(date +%s.%N)
  printf 'PHASE %-22s %8.1fs%s\n' "${name}" "$(echo "${end} - ${start}" | bc)" \
    "$([[ ${rc} -eq 0 ]] || echo " (failed, exit ${rc})")" >&2
  return "${rc}"
}

need_root() {
  [[ $(id -u) -eq 0 ]] || die "$1 needs root (run it with sudo)"
}

# hash_inputs PATH...: a short content hash of files and directories, used as
# cache keys.
hash_inputs() {
  local p
  for p in "$@"; do
    if [[ -d ${p} ]]; then
      (cd "${p}" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
    else
      sha256sum "${p}"
    fi
  done | sha256sum | cut -c1-16
}
