#!/usr/bin/env bash
# Builds a kind-compatible node image offline, for machines that reach no
# image registry (the CI VMs): a Debian bookworm root file system from
# debootstrap with systemd, containerd, runc and the CNI plugins; kubelet,
# kubeadm, kubectl and the control-plane components built from Go modules;
# and every image a node runs (kube-apiserver, kube-controller-manager,
# kube-scheduler, kube-proxy, etcd, coredns, pause) made from static binaries
# and imported into the node's containerd. The end-to-end test's own images
# (test/e2e/images and Traefik) are not in the node: hack/e2e/upstream.sh
# pushes them to the lane's "upstream" registry, which the node pulls from
# through devstack's cache (upstream.sh sources this file for its builders).
#
#   hack/e2e/node-image.sh          # prints the image reference on stdout
#
# The result is cached: the image tag carries a hash of every input (these
# scripts, hack/e2e/node, hack/e2e/images, the Kubernetes and
# tool module pins, the Go version), and an existing tag is reused as is.
# Intermediate results (the debootstrap tree, binaries) are cached too in
# ${DEVSTACK_E2E_CACHE:-~/.cache/devstack-e2e}. It also writes
# <cache>/node-image.env (DEVSTACK_E2E_IMAGE=<ref>) for the test.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SUITE=bookworm
MIRROR="${DEVSTACK_E2E_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Packages of the node beyond debootstrap's minbase: the init system, the
# container runtime and CNI plugins, and what kubelet, kubeadm's preflight and
# kube-proxy call on the node.
PACKAGES=systemd,containerd,runc,containernetworking-plugins,iptables,nftables,conntrack,iproute2,ethtool,util-linux,mount,kmod,procps,ca-certificates,socat,libseccomp2,pigz,e2fsprogs,dash
IMAGE_REPO=devstack-e2e/node
TRAEFIK_VERSION=v3.7.13
E2E_IMAGE_TAG=e2e

K8S_MOD="${REPO_ROOT}/hack/k8s"
BUILD="${E2E_CACHE}/build"

k8s_version() { awk '$1 == "k8s.io/kubernetes" { print $2 }' "${K8S_MOD}/go.mod"; }

image_ref() {
  local key
  key=$({
    hash_inputs "${E2E_DIR}/lib.sh" "${E2E_DIR}/node-image.sh" "${E2E_DIR}/node" "${E2E_DIR}/images" \
      "${E2E_DIR}/tools/coredns" "${K8S_MOD}/go.mod" "${K8S_MOD}/go.sum" "${REPO_ROOT}/hack/build-k8s.sh"
    echo "${PACKAGES} ${SUITE} $(go env GOVERSION)"
  } | sha256sum | cut -c1-12)
  echo "${IMAGE_REPO}:$(k8s_version)-${key}"
}

# ---- root file system ---------------------------------------------------

# rootfs_base debootstraps the Debian tree once per package list and keeps it
# in the cache; builds copy it.
rootfs_base() {
  local key dir
  key=$(echo "${SUITE} ${MIRROR} ${PACKAGES}" | sha256sum | cut -c1-12)
  dir="${E2E_CACHE}/rootfs-${key}"
  if [[ ! -f ${dir}.done ]]; then
    rm -rf "${dir}"
    log "debootstrap ${SUITE} (${PACKAGES})"
    debootstrap --variant=minbase --include="${PACKAGES}" "${SUITE}" "${dir}" "${MIRROR}" >"${dir}.log" 2>&1 ||
      { tail -n 20 "${dir}.log" >&2; die "debootstrap failed (log: ${dir}.log)"; }
    touch "${dir}.done"
  fi
  echo "${dir}"
}

ensure_debootstrap() {
  command -v debootstrap >/dev/null && return
  log "installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >/dev/null; }
}

# ---- binaries -------------------------------------------------------------

# k8s_binaries builds through hack/build-k8s.sh (the repository's one
# Kubernetes build) and prints the directory holding the binaries.
k8s_binaries() {
  "${REPO_ROOT}/hack/build-k8s.sh" etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kubeadm >&2
  "${REPO_ROOT}/hack/build-k8s.sh" --print-dir
}

# k8s_extra_binaries provides kube-proxy and kubectl, which hack/build-k8s.sh
# does not build (yet): the same module pins (hack/k8s/go.mod and go.sum,
# copied, with the two commands' extra dependencies resolved) and the same
# version stamping, so every Kubernetes binary of the node is one release.
k8s_extra_binaries() {
  local out="${BUILD}/k8s-extra" stamp version minor ldflags pkg
  if "${REPO_ROOT}/hack/build-k8s.sh" kube-proxy kubectl >/dev/null 2>&1; then
    "${REPO_ROOT}/hack/build-k8s.sh" --print-dir
    return
  fi
  stamp=$(cat "${K8S_MOD}/go.mod" "${K8S_MOD}/go.sum" <(go env GOVERSION) | sha256sum | cut -c1-16)
  if [[ -x ${out}/kube-proxy && -x ${out}/kubectl && $(cat "${out}/.stamp" 2>/dev/null) == "${stamp}" ]]; then
    echo "${out}"
    return
  fi
  version=$(k8s_version)
  minor=$(echo "${version}" | cut -d. -f2)
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=${version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
    ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  done
  rm -rf "${out}" && mkdir -p "${out}/mod"
  cp "${K8S_MOD}/go.mod" "${K8S_MOD}/go.sum" "${out}/mod/"
  log "building kube-proxy and kubectl ${version}"
  (cd "${out}/mod" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "${ldflags}" -o "${out}/" \
    k8s.io/kubernetes/cmd/kube-proxy k8s.io/kubernetes/cmd/kubectl)
  echo "${stamp}" >"${out}/.stamp"
  echo "${out}"
}

# tool_binary NAME builds a tool pinned by hack/e2e/tools/NAME (go.mod with a
# tool directive) into the cache and prints its path.
tool_binary() {
  local name=$1 mod="${E2E_DIR}/tools/$1" out stamp pkg
  out="${BUILD}/tools/${name}"
  stamp=$(cat "${mod}/go.mod" "${mod}/go.sum" <(go env GOVERSION) | sha256sum | cut -c1-16)
  if [[ ! -x ${out} || $(cat "${out}.stamp" 2>/dev/null) != "${stamp}" ]]; then
    pkg=$(awk '$1 == "tool" { print $2; exit }' "${mod}/go.mod")
    log "building ${name} (${pkg})"
    mkdir -p "$(dirname "${out}")"
    (cd "${mod}" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${out}" "${pkg}")
    echo "${stamp}" >"${out}.stamp"
  fi
  echo "${out}"
}

# traefik_binary builds Traefik from its Go module. Its go.mod needs replace
# directives (forks, and a module inside its own repository) that apply only
# to the main module, so a build module carrying them is generated here, with
# the nested module pointed at Traefik's source in the module cache.
traefik_binary() {
  local dir="${BUILD}/traefik" src key ldflags
  mkdir -p "${BUILD}"
  # one build at a time (a concurrent run waits, then finds it cached)
  exec 8>"${BUILD}/traefik.lock"
  flock 8
  ldflags="-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_VERSION}"
  key="${TRAEFIK_VERSION} $(go env GOVERSION) $(hash_inputs "${E2E_DIR}/tools/traefik") $(echo "${ldflags}" | sha256sum | cut -c1-8)"
  if [[ -x ${dir}/traefik && $(cat "${dir}/.version" 2>/dev/null) == "${key}" ]]; then
    echo "${dir}/traefik"
    return
  fi
  log "building Traefik ${TRAEFIK_VERSION} from its Go module"
  mkdir -p "${dir}"
  src=$(cd "${dir}" && GOFLAGS=-mod=mod go mod download -json "github.com/traefik/traefik/v3@${TRAEFIK_VERSION}" | jq -r .Dir)
  [[ -d ${src} ]] || die "could not download Traefik ${TRAEFIK_VERSION}"
  # the fork pins are Traefik's own, read from its go.mod
  {
    echo "module devstack-e2e/traefik-build"
    echo
    echo "go $(awk '$1 == "go" { print $2; exit }' "${src}/go.mod")"
    echo
    echo "require github.com/traefik/traefik/v3 ${TRAEFIK_VERSION}"
    echo
    # a module nested in Traefik's repository, absent from module zips: see tools/traefik/extstub
    echo "replace github.com/traefik/traefik/dynamic/ext => ${E2E_DIR}/tools/traefik/extstub"
    awk '/^replace \($/ { in_block = 1; next } in_block && /^\)/ { in_block = 0 } in_block && /=>/ { print "replace " $0 }' "${src}/go.mod" |
      # the proxy refuses this release's pin of Traefik's go-http-auth fork;
      # an earlier pin of the same fork has the API Traefik uses
      sed 's|^replace[[:space:]]*github.com/abbot/go-http-auth => .*|replace github.com/abbot/go-http-auth => github.com/containous/go-http-auth v0.4.1-0.20200324110947-a37a7636d23e|'
    # the proxy refuses lego (ACME): a stand-in with its API, see tools/traefik/legostub
    echo "replace github.com/go-acme/lego/v5 => ${E2E_DIR}/tools/traefik/legostub"
    grep '^exclude ' "${src}/go.mod" || true
  } >"${dir}/go.mod"
  rm -f "${dir}/go.sum"
  (cd "${dir}" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "${ldflags}" -o "${dir}/traefik" \
    github.com/traefik/traefik/v3/cmd/traefik)
  echo "${key}" >"${dir}/.version"
  echo "${dir}/traefik"
}

# ---- images ------------------------------------------------------------------

# make_image REF DIR ENTRYPOINT_JSON: a one-layer image of DIR, saved as a
# docker archive into ${IMAGES}.
make_image() {
  local ref=$1 dir=$2 entrypoint=$3 file
  file="${IMAGES}/$(echo "${ref}" | tr '/:' '__').tar"
  mkdir -p "${dir}/tmp" "${dir}/etc"
  chmod 1777 "${dir}/tmp"
  echo "root:x:0:0:root:/:/nonexistent" >"${dir}/etc/passwd"
  echo "nobody:x:65534:65534:nobody:/:/nonexistent" >>"${dir}/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"${dir}/etc/group"
  tar -C "${dir}" --numeric-owner --owner=0 --group=0 -c . |
    docker import --change "ENTRYPOINT ${entrypoint}" \
      --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' - "${ref}" >/dev/null
  docker save "${ref}" -o "${file}"
  docker rmi "${ref}" >/dev/null
}

# binary_image REF BINARY PATH_IN_IMAGE [ENTRYPOINT_JSON]
binary_image() {
  local ref=$1 bin=$2 path=$3 entrypoint=${4:-} dir
  dir=$(mktemp -d "${BUILD}/img.XXXXXX")
  install -D -m 0755 "${bin}" "${dir}${path}"
  make_image "${ref}" "${dir}" "${entrypoint:-[\"${path}\"]}"
  rm -rf "${dir}"
}

# copy_with_libs ROOT DEST FILE...: copies FILEs (absolute paths inside the
# tree ROOT) into DEST with the shared libraries they load, as ldd in ROOT
# reports them. DEST gets Debian's merged-/usr layout and the loader cache,
# so the libraries are found where the binaries expect them.
copy_with_libs() {
  local root=$1 dest=$2 f real
  shift 2
  mkdir -p "${dest}/usr/bin" "${dest}/usr/sbin" "${dest}/usr/lib" "${dest}/usr/lib64" "${dest}/etc"
  for f in bin sbin lib lib64; do
    [[ -e ${dest}/${f} ]] || ln -s "usr/${f}" "${dest}/${f}"
  done
  cp "${root}/etc/ld.so.cache" "${dest}/etc/"
  for f in "$@" $(for f in "$@"; do chroot "${root}" ldd "${f}" 2>/dev/null | grep -o '/[^ ]*' || true; done | sort -u); do
    real=$(chroot "${root}" readlink -f "${f}")
    install -D -m 0755 "${root}${real}" "${dest}${real}"
    if [[ ${real} != "${f}" && ! -e ${dest}${f} ]]; then
      mkdir -p "$(dirname "${dest}${f}")"
      ln -s "${real}" "${dest}${f}"
    fi
  done
}

# kube_proxy_image: kube-proxy programs iptables, so its image carries the
# node's iptables (both backends, with their extensions and libraries), a
# shell for the backend-choosing wrapper, and the static kube-proxy.
kube_proxy_image() {
  local ref=$1 bin=$2 root=$3 dir f
  dir=$(mktemp -d "${BUILD}/img.XXXXXX")
  # shellcheck disable=SC2046 # one word per extension file
  copy_with_libs "${root}" "${dir}" /usr/sbin/xtables-nft-multi /usr/sbin/xtables-legacy-multi /usr/bin/dash \
    $(cd "${root}" && find usr/lib/x86_64-linux-gnu/xtables -name '*.so' | sed 's|^|/|')
  ln -s dash "${dir}/usr/bin/sh"
  install -m 0755 "${E2E_DIR}/images/kube-proxy/iptables-wrapper" "${dir}/usr/sbin/iptables-wrapper"
  for f in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
    ln -sf iptables-wrapper "${dir}/usr/sbin/${f}"
  done
  install -D -m 0755 "${bin}" "${dir}/usr/local/bin/kube-proxy"
  make_image "${ref}" "${dir}" '["/usr/local/bin/kube-proxy"]'
  rm -rf "${dir}"
}

# e2e_images builds the test's own images: every test/e2e/images/NAME Go
# command becomes devstack-e2e/NAME:e2e, plus Traefik.
e2e_images() {
  local traefik=$1 d name
  [[ -z ${traefik} ]] || binary_image "devstack-e2e/traefik:${E2E_IMAGE_TAG}" "${traefik}" /traefik
  for d in "${REPO_ROOT}"/test/e2e/images/*/; do
    [[ -f ${d}main.go ]] || continue
    name=$(basename "${d}")
    (cd "${REPO_ROOT}" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${BUILD}/e2e-${name}" "./test/e2e/images/${name}")
    binary_image "devstack-e2e/${name}:${E2E_IMAGE_TAG}" "${BUILD}/e2e-${name}" "/${name}"
  done
}

# node_images builds every image kubeadm will ask for, named as kubeadm
# lists them for this release.
node_images() {
  local k8s=$1 extra=$2 coredns=$3 root=$4 ref name
  for ref in $("${k8s}/kubeadm" config images list --kubernetes-version "$(k8s_version)" 2>/dev/null); do
    name=${ref##*/}
    name=${name%%:*}
    case "${name}" in
    kube-apiserver | kube-controller-manager | kube-scheduler | etcd)
      binary_image "${ref}" "${k8s}/${name}" "/usr/local/bin/${name}" ;;
    kube-proxy) kube_proxy_image "${ref}" "${extra}/kube-proxy" "${root}" ;;
    coredns) binary_image "${ref}" "${coredns}" /coredns ;;
    pause)
      (cd "${REPO_ROOT}" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${BUILD}/pause" ./hack/e2e/images/pause)
      binary_image "${ref}" "${BUILD}/pause" /pause
      echo "${ref}" >"${BUILD}/pause-ref" ;;
    *) die "kubeadm asks for an image this script cannot build: ${ref}" ;;
    esac
    log "image ${ref}"
  done
  [[ -s ${BUILD}/pause-ref ]] || die "kubeadm listed no images"
}

# ---- assembly ------------------------------------------------------------------

# configure_rootfs turns the Debian tree into a node: the node files, the
# Kubernetes binaries, the enabled and masked units.
configure_rootfs() {
  local root=$1 k8s=$2 extra=$3
  cp -a "${E2E_DIR}/node/files/." "${root}/"
  sed "s|@PAUSE_IMAGE@|$(cat "${BUILD}/pause-ref")|" "${root}/etc/containerd/config.toml.in" >"${root}/etc/containerd/config.toml"
  rm "${root}/etc/containerd/config.toml.in"
  install -m 0755 "${k8s}/kubelet" "${k8s}/kubeadm" "${root}/usr/bin/"
  install -m 0755 "${extra}/kubectl" "${root}/usr/bin/"
  (cd "${REPO_ROOT}" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${root}/usr/local/sbin/runc-nocap" ./hack/e2e/runc-nocap)
  k8s_version >"${root}/kind/version"
  ln -sf /lib/systemd/systemd "${root}/sbin/init"
  mkdir -p "${root}/etc/kubernetes/manifests" "${root}/opt/cni/bin"
  # units a node container has no use for (consoles, timers, udev)
  rm -f "${root}"/etc/systemd/system/*.wants/* "${root}"/lib/systemd/system/sockets.target.wants/*udev*
  rm -f "${root}"/lib/systemd/system/sysinit.target.wants/systemd-tmpfiles-setup.service
  systemctl --root="${root}" enable containerd.service kubelet.service >/dev/null 2>&1
  systemctl --root="${root}" mask systemd-binfmt.service getty@.service getty-static.service console-getty.service \
    systemd-udevd.service systemd-modules-load.service >/dev/null 2>&1
  echo "ReadKMsg=no" >>"${root}/etc/systemd/journald.conf"
  # docker bind-mounts these at run time
  : >"${root}/etc/resolv.conf"
  rm -f "${root}/etc/hostname" "${root}/etc/machine-id"
  rm -rf "${root}"/var/cache/apt/archives/*.deb "${root}"/var/lib/apt/lists/* "${root}"/usr/share/doc \
    "${root}"/usr/share/man "${root}"/usr/share/locale
}

# import_images loads the image archives into the node's containerd store
# with the tree's own containerd, chrooted, on a private socket. Layers stay
# packed (--no-unpack): the tree is not on a file system overlayfs snapshots
# can live on, and containerd's CRI unpacks an image when a pod first uses it.
import_images() {
  local root=$1 pid f i
  mkdir -p "${root}/tmp/images" "${root}/run/import"
  cp "${IMAGES}"/*.tar "${root}/tmp/images/"
  cat >"${root}/tmp/import.toml" <<'EOF'
version = 2
root = "/var/lib/containerd"
state = "/run/import/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "/run/import/containerd.sock"
EOF
  mount -t proc proc "${root}/proc"
  chroot "${root}" /usr/bin/containerd --config /tmp/import.toml >"${BUILD}/import-containerd.log" 2>&1 &
  pid=$!
  for i in $(seq 1 50); do
    [[ -S ${root}/run/import/containerd.sock ]] && break
    sleep 0.2
  done
  local rc=0
  for f in "${root}"/tmp/images/*.tar; do
    chroot "${root}" ctr --address /run/import/containerd.sock --namespace k8s.io images import --no-unpack \
      "/tmp/images/$(basename "${f}")" >/dev/null || { rc=1; log "import of $(basename "${f}") failed"; }
  done
  chroot "${root}" ctr --address /run/import/containerd.sock --namespace k8s.io images ls -q >&2 || rc=1
  kill "${pid}"
  wait "${pid}" || true
  umount "${root}/proc"
  rm -rf "${root}/tmp/images" "${root}/tmp/import.toml" "${root}/run/import"
  [[ ${rc} -eq 0 ]] || { cat "${BUILD}/import-containerd.log" >&2; die "importing images into the node failed"; }
}

build() {
  local ref=$1 base k8s extra coredns root
  ensure_debootstrap
  mkdir -p "${BUILD}"
  IMAGES="${BUILD}/images"
  rm -rf "${IMAGES}" "${BUILD}/pause-ref" && mkdir -p "${IMAGES}"

  base=$(rootfs_base)
  k8s=$(k8s_binaries)
  extra=$(k8s_extra_binaries)
  coredns=$(tool_binary coredns)

  root="${BUILD}/rootfs"
  rm -rf "${root}"
  cp -a "${base}" "${root}"
  node_images "${k8s}" "${extra}" "${coredns}" "${root}"
  configure_rootfs "${root}" "${k8s}" "${extra}"
  import_images "${root}"

  log "importing the node image ${ref}"
  tar -C "${root}" --numeric-owner -c . | docker import - "${ref}-rootfs" >/dev/null
  # `docker import --change` cannot set STOPSIGNAL: a metadata-only build
  # step adds it (the legacy builder needs no registry for a local base).
  # systemd exits on SIGRTMIN+3 and re-executes itself on SIGTERM; the
  # container environment variable tells it it runs in a container.
  printf '%s\n' "FROM ${ref}-rootfs" \
    'ENV container=docker PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    'STOPSIGNAL SIGRTMIN+3' \
    'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' |
    DOCKER_BUILDKIT=0 docker build -q -t "${ref}" - >/dev/null 2>"${BUILD}/docker-build.log" ||
    { cat "${BUILD}/docker-build.log" >&2; die "docker build of ${ref} failed"; }
  docker rmi "${ref}-rootfs" >/dev/null
  rm -rf "${root}" "${IMAGES}"
}

# prune_old_images removes the node images earlier inputs produced (each
# is over a gigabyte); one still used by a container stays.
prune_old_images() {
  local keep=$1 old
  for old in $(docker images --format '{{.Repository}}:{{.Tag}}' "${IMAGE_REPO}"); do
    [[ ${old} == "${keep}" ]] || docker rmi "${old}" >/dev/null 2>&1 || true
  done
}

main() {
  need_root "building the node image (debootstrap, chroot)"
  mkdir -p "${E2E_CACHE}"
  local ref
  ref=$(image_ref)
  if docker image inspect "${ref}" >/dev/null 2>&1; then
    log "node image ${ref} is up to date"
  else
    build "${ref}"
    log "built ${ref}"
    prune_old_images "${ref}"
  fi
  echo "DEVSTACK_E2E_IMAGE=${ref}" >"${E2E_CACHE}/node-image.env"
  echo "${ref}"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then main "$@"; exit; fi  # one line: edits to this file cannot reach a running shell
