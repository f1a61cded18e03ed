#!/usr/bin/env bash
# Builds Kubernetes control-plane binaries, etcd and kwok from their Go
# modules (no downloads of release tarballs, no container registry), into a
# cache directory shared by every checkout on the machine.
#
#   hack/build-k8s.sh                 # etcd kube-apiserver kube-controller-manager kube-scheduler kwok
#   hack/build-k8s.sh --all           # the above plus kubelet and kubeadm
#   hack/build-k8s.sh kubelet kubeadm # only these
#   hack/build-k8s.sh --print-dir     # print the output directory and exit
#   hack/build-k8s.sh --check         # exit 1 when something would be built
#
# Output: ${DEVSTACK_TEST_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/devstack-test/bin}.
# A binary is rebuilt only when its inputs changed: hack/k8s/go.mod, go.sum,
# cmd/, the Go toolchain, kwok's version and the build flags (a stamp file
# per binary).
# The cold build of the Kubernetes binaries takes minutes; later runs are
# instant. Concurrent runs are serialised with flock when available.
set -euo pipefail

KWOK_VERSION=v0.8.0
DEFAULT_TARGETS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)
ALL_TARGETS=("${DEFAULT_TARGETS[@]}" kubelet kubeadm)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod="${root}/k8s"
out="${DEVSTACK_TEST_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/devstack-test/bin}"

targets=()
check=0
for arg in "$@"; do
	case "$arg" in
	--all) targets+=("${ALL_TARGETS[@]}") ;;
	--print-dir) echo "$out"; exit 0 ;;
	--check) check=1 ;;
	-h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	etcd | kube-apiserver | kube-controller-manager | kube-scheduler | kubelet | kubeadm | kwok) targets+=("$arg") ;;
	*) echo "build-k8s.sh: unknown target ${arg}" >&2; exit 2 ;;
	esac
done
[[ ${#targets[@]} -eq 0 ]] && targets=("${DEFAULT_TARGETS[@]}")

mkdir -p "$out"
chmod 0700 "$out" 2>/dev/null || true

# One build at a time per output directory: parallel test binaries may all
# find the cache empty on a fresh machine.
if [[ $check -eq 0 ]] && command -v flock >/dev/null 2>&1 && [[ -z "${DEVSTACK_BUILD_K8S_LOCKED:-}" ]]; then
	export DEVSTACK_BUILD_K8S_LOCKED=1
	exec flock "${out}/.lock" bash "${BASH_SOURCE[0]}" "$@"
fi


k8s_version="$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "${mod}/go.mod")"
export CGO_ENABLED=0
# Kubernetes reads its own version from these variables (kubeadm and the
# kubelet compare versions, the apiserver derives its emulation version).
minor="$(echo "$k8s_version" | cut -d. -f2)"
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ldflags+=" -X ${pkg}.gitVersion=${k8s_version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
	ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
done

# A binary is fresh when it was built from the same inputs: the module, the
# mains, the toolchain, kwok's version and the build flags (RECIPE marks
# changes to how they are built).
RECIPE=1
stamp="$(
	{
		echo "$RECIPE $KWOK_VERSION $ldflags"
		cat "${mod}/go.mod" "${mod}/go.sum"
		find "${mod}/cmd" -type f -name '*.go' -print0 | sort -z | xargs -0 cat
		go env GOVERSION GOOS GOARCH
	} | sha256sum | cut -d' ' -f1
)"

fresh() { [[ -x "${out}/$1" && -f "${out}/.stamp-$1" && "$(cat "${out}/.stamp-$1")" == "$stamp" ]]; }

k8s_pkgs=()
k8s_names=()
need_etcd=0
need_kwok=0
for t in "${targets[@]}"; do
	fresh "$t" && continue
	case "$t" in
	etcd) need_etcd=1 ;;
	kwok) need_kwok=1 ;;
	*) k8s_pkgs+=("k8s.io/kubernetes/cmd/${t}"); k8s_names+=("$t") ;;
	esac
done
if [[ ${#k8s_pkgs[@]} -eq 0 && $need_etcd -eq 0 && $need_kwok -eq 0 ]]; then
	exit 0
fi
[[ $check -eq 1 ]] && exit 1

tmp="$(mktemp -d "${out}/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

start=$SECONDS
if [[ ${#k8s_pkgs[@]} -gt 0 || $need_etcd -eq 1 ]]; then
	pkgs=("${k8s_pkgs[@]}")
	[[ $need_etcd -eq 1 ]] && pkgs+=("./cmd/etcd")
	echo "build-k8s.sh: building ${k8s_names[*]} $([[ $need_etcd -eq 1 ]] && echo etcd) (Kubernetes ${k8s_version}) into ${out}" >&2
	# One go build for all packages shares the compilation of common deps.
	(cd "$mod" && go build -trimpath -ldflags "$ldflags" -o "${tmp}/" "${pkgs[@]}")
fi
if [[ $need_kwok -eq 1 ]]; then
	echo "build-k8s.sh: building kwok ${KWOK_VERSION}" >&2
	(cd "$tmp" && GOFLAGS= GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}")
fi

for t in "${targets[@]}"; do
	if [[ -f "${tmp}/${t}" ]]; then
		mv -f "${tmp}/${t}" "${out}/${t}"
		echo "$stamp" >"${out}/.stamp-${t}"
	fi
done
echo "build-k8s.sh: ${targets[*]} up to date in ${out} ($((SECONDS - start))s)" >&2
