#!/usr/bin/env bash
# The end-to-end lane's registries. No registry can be reached from CI, so:
#   - the CNCF distribution registry is built from its Go module (pinned by
#     hack/e2e/tools/registry) into the image devstack's caches and local
#     registry run (users get the official registry:3 image, the same code);
#   - an "upstream" registry, a container of that image on the kind network,
#     holds the e2e profile's images (test/e2e/images and Traefik, built here
#     and pushed to it), the way Docker Hub or ghcr.io hold a real profile's.
#
#   hack/e2e/upstream.sh           # prints KEY=VALUE lines for the test
#
# The upstream keeps its volume between runs; pushing unchanged images
# uploads nothing.
set -euo pipefail
# shellcheck source=node-image.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-image.sh" # the image builders

REGISTRY_IMAGE=devstack-e2e/registry:e2e
UPSTREAM=devstack-e2e-upstream
UPSTREAM_PUSH_PORT=15000
NETWORK=kind

# busybox_static provides the shell and cat the official registry:3 image
# has (it is Alpine's): devstack's caches run a credential helper script.
busybox_static() {
  # ldd refuses a static binary
  if [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1; then return; fi
  log "installing busybox-static"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >/dev/null; }
}

# registry_image imports the registry binary as a one-layer image with a
# plain configuration (devstack replaces it in its own containers) and a
# static busybox for sh, cat and du.
registry_image() {
  local bin stamp dir
  bin=$(tool_binary registry)
  busybox_static
  stamp="$(cat "${bin}.stamp") $(sha256sum /bin/busybox "${BASH_SOURCE[0]}" | sha256sum | cut -c1-12)"
  stamp=${stamp// /-}
  if [[ $(docker image inspect -f '{{index .Config.Labels "dev.devstack.e2e.stamp"}}' "${REGISTRY_IMAGE}" 2>/dev/null) == "${stamp}" ]]; then
    return
  fi
  log "image ${REGISTRY_IMAGE} from $(awk '$1 == "github.com/distribution/distribution/v3" { print $1 "@" $2 }' "${E2E_DIR}/tools/registry/go.mod")"
  dir=$(mktemp -d "${BUILD}/img.XXXXXX")
  install -D -m 0755 "${bin}" "${dir}/bin/registry"
  install -m 0755 /bin/busybox "${dir}/bin/busybox"
  ln -s busybox "${dir}/bin/sh"
  ln -s busybox "${dir}/bin/cat"
  ln -s busybox "${dir}/bin/du"
  mkdir -p "${dir}/etc/distribution" "${dir}/var/lib/registry" "${dir}/tmp"
  chmod 1777 "${dir}/tmp"
  cat >"${dir}/etc/distribution/config.yml" <<'YAML'
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
YAML
  tar -C "${dir}" --numeric-owner --owner=0 --group=0 -c . |
    docker import --change 'ENTRYPOINT ["/bin/registry", "serve", "/etc/distribution/config.yml"]' \
      --change "LABEL dev.devstack.e2e.stamp=${stamp}" --change 'EXPOSE 5000' - "${REGISTRY_IMAGE}" >/dev/null
  rm -rf "${dir}"
}

start_upstream() {
  docker network inspect "${NETWORK}" >/dev/null 2>&1 ||
    docker network create -d bridge -o com.docker.network.bridge.enable_ip_masquerade=true "${NETWORK}" >/dev/null
  local image
  image=$(docker inspect -f '{{.Image}}' "${UPSTREAM}" 2>/dev/null || true)
  if [[ -n ${image} && ${image} != $(docker image inspect -f '{{.Id}}' "${REGISTRY_IMAGE}") ]]; then
    docker rm -f "${UPSTREAM}" >/dev/null
    image=""
  fi
  if [[ -z ${image} ]]; then
    docker run -d --name "${UPSTREAM}" --network "${NETWORK}" -p "127.0.0.1:${UPSTREAM_PUSH_PORT}:5000" \
      -v "${UPSTREAM}:/var/lib/registry" "${REGISTRY_IMAGE}" >/dev/null
  else
    docker start "${UPSTREAM}" >/dev/null
  fi
  local i
  for i in $(seq 1 50); do
    curl -fsS "http://127.0.0.1:${UPSTREAM_PUSH_PORT}/v2/" >/dev/null 2>&1 && return
    sleep 0.2
  done
  docker logs "${UPSTREAM}" >&2 || true
  die "the upstream registry does not answer on 127.0.0.1:${UPSTREAM_PUSH_PORT}"
}

# Extra megabytes of the ":bench" variant of each image, for the pre-pull
# benchmark: the proportions of the catalog's images (an ingress controller
# ~50 MB, an operator ~70 MB, an application several hundred), scaled down.
declare -A BENCH_PAD_MB=([traefik]=20 [operator]=40 [echo]=120)

# bench_variant pushes NAME:bench, NAME:e2e with a layer of random data (it
# does not compress, so the bytes on the wire are the size). The data is
# made once and kept, so the digests stay and a second push uploads nothing.
bench_variant() {
  local src=$1 name=$2 mb=${BENCH_PAD_MB[$2]:-0} ctx
  [[ ${mb} -gt 0 ]] || return 0
  ctx="${E2E_CACHE}/bench-${name}-${mb}"
  if [[ ! -s ${ctx}/pad ]]; then
    mkdir -p "${ctx}"
    head -c "$((mb * 1000 * 1000))" /dev/urandom >"${ctx}/pad"
  fi
  printf 'FROM %s\nCOPY pad /bench-pad\n' "${src}" >"${ctx}/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "127.0.0.1:${UPSTREAM_PUSH_PORT}/${name}:bench" "${ctx}" >/dev/null
  docker push -q "127.0.0.1:${UPSTREAM_PUSH_PORT}/${name}:bench" >/dev/null
  docker rmi "127.0.0.1:${UPSTREAM_PUSH_PORT}/${name}:bench" >/dev/null
  log "pushed ${UPSTREAM}:5000/${name}:bench (+${mb} MB)"
}

# push_images builds the test's images and pushes them to the upstream under
# their short names (echo:e2e, operator:e2e, traefik:e2e), and their ":bench"
# variants.
push_images() {
  local traefik f ref short
  traefik=$(traefik_binary)
  IMAGES=$(mktemp -d "${BUILD}/push.XXXXXX")
  e2e_images "${traefik}"
  for f in "${IMAGES}"/*.tar; do
    ref=$(docker load -i "${f}" | awk '/Loaded image:/ { print $3 }')
    short=${ref#devstack-e2e/}
    docker tag "${ref}" "127.0.0.1:${UPSTREAM_PUSH_PORT}/${short}"
    docker push -q "127.0.0.1:${UPSTREAM_PUSH_PORT}/${short}" >/dev/null
    log "pushed ${UPSTREAM}:5000/${short}"
    bench_variant "127.0.0.1:${UPSTREAM_PUSH_PORT}/${short}" "${short%%:*}"
    docker rmi "${ref}" "127.0.0.1:${UPSTREAM_PUSH_PORT}/${short}" >/dev/null
  done
  rm -rf "${IMAGES}"
}

main_upstream() {
  need_root "the e2e registries (docker)"
  mkdir -p "${BUILD}"
  registry_image
  start_upstream
  push_images
  echo "DEVSTACK_REGISTRY_IMAGE=${REGISTRY_IMAGE}"
  echo "DEVSTACK_E2E_UPSTREAM=${UPSTREAM}:5000"
}

main_upstream "$@"; exit
