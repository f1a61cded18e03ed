#!/usr/bin/env bash
# Prepares this machine to run kind: a running Docker engine whose privileged
# containers work. When no engine answers, it installs Debian's docker.io,
# registers the runc wrapper (runc-nocap) as Docker's default runtime and
# starts dockerd. Then it proves `docker run --privileged` works with a
# locally imported image (no registry is reachable here).
#
# Why the wrapper: these VMs lack CAP_SYS_RESOURCE in their capability
# bounding set, and Docker grants every capability it knows to privileged
# containers, so runc fails with "unable to apply caps". The wrapper drops
# what the host cannot grant (see hack/e2e/runc-nocap).
#
# Idempotent: a second run finds the engine running and only re-probes.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DOCKERD_LOG="${DEVSTACK_E2E_DOCKERD_LOG:-/var/log/devstack-e2e-dockerd.log}"
PROBE_IMAGE="devstack-e2e/probe:latest"

install_engine() {
  if command -v dockerd >/dev/null; then
    return
  fi
  need_root "installing docker.io"
  log "installing docker.io from Debian"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends docker.io >/dev/null; then
    apt-get update >/dev/null
    apt-get install -y --no-install-recommends docker.io >/dev/null
  fi
}

install_wrapper() {
  log "building the runc wrapper into ${E2E_LIBEXEC}"
  mkdir -p "${E2E_LIBEXEC}"
  (cd "${REPO_ROOT}" && CGO_ENABLED=0 go build -o "${E2E_LIBEXEC}/runc-nocap.new" ./hack/e2e/runc-nocap)
  mv "${E2E_LIBEXEC}/runc-nocap.new" "${E2E_LIBEXEC}/runc-nocap"
}

# configure_daemon merges the wrapper runtime into /etc/docker/daemon.json,
# keeping whatever else an existing file says.
configure_daemon() {
  local cfg=/etc/docker/daemon.json current='{}'
  mkdir -p /etc/docker
  [[ -s ${cfg} ]] && current=$(cat "${cfg}")
  jq --arg path "${E2E_LIBEXEC}/runc-nocap" \
    '.runtimes["runc-nocap"] = {path: $path} | .["default-runtime"] = "runc-nocap"' \
    <<<"${current}" >"${cfg}.new"
  mv "${cfg}.new" "${cfg}"
}

start_daemon() {
  log "starting dockerd (log: ${DOCKERD_LOG})"
  # setsid: the daemon must outlive this script and its process group. It
  # must not inherit descriptors either: run.sh runs under
  # `flock /tmp/devstack-e2e.lock`, and a daemon holding that lock's
  # descriptor would keep every later lane waiting for as long as it runs.
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      [[ ${fd} -gt 2 ]] && eval "exec ${fd}>&-" 2>/dev/null
    done
    exec setsid nohup dockerd >>"${DOCKERD_LOG}" 2>&1 </dev/null
  ) &
  local i
  for i in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      return
    fi
    sleep 1
  done
  tail -n 30 "${DOCKERD_LOG}" >&2
  die "dockerd did not answer within 60s"
}

# probe imports a one-binary image and runs it privileged: the exact thing
# kind does with its node containers.
probe() {
  if ! docker image inspect "${PROBE_IMAGE}" >/dev/null 2>&1; then
    local dir
    dir=$(mktemp -d)
    (cd "${REPO_ROOT}" && CGO_ENABLED=0 go build -o "${dir}/pause" ./hack/e2e/images/pause)
    tar -C "${dir}" -c pause | docker import --change 'ENTRYPOINT ["/pause"]' - "${PROBE_IMAGE}" >/dev/null
    rm -rf "${dir}"
  fi
  local out
  if ! out=$(docker run --rm --privileged "${PROBE_IMAGE}" -v 2>&1); then
    log "privileged probe failed: ${out}"
    if ! docker info --format '{{json .Runtimes}}' | grep -q runc-nocap; then
      die "the running Docker engine has no runc-nocap runtime; stop it and rerun $0 so it starts one with the wrapper"
    fi
    die "docker run --privileged fails even with the wrapper"
  fi
  log "docker run --privileged works (${out})"
}

main() {
  if docker info >/dev/null 2>&1; then
    log "a Docker engine is already running"
  else
    need_root "starting dockerd"
    install_engine
    install_wrapper
    configure_daemon
    start_daemon
  fi
  probe
}

main "$@"; exit  # one line: edits to this file cannot reach a running shell
