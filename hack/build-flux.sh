#!/usr/bin/env bash
# Builds the Flux controllers (source-controller, kustomize-controller,
# helm-controller) from their Go modules through hack/flux, a module of
# the project's own that repeats their replace directives (which
# `go install pkg@version` refuses), into the cache directory the
# Kubernetes binaries of hack/build-k8s.sh use. The integration test of
# `devstack export flux` runs them out of cluster against the test
# control plane.
#
#   hack/build-flux.sh                # build what is stale
#   hack/build-flux.sh --print-dir    # print the output directory and exit
#   hack/build-flux.sh --check        # exit 1 when something would be built
#
# Output: ${DEVSTACK_TEST_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/devstack-test/bin},
# plus crds/flux/ there: the controllers' CustomResourceDefinitions copied
# from their modules' config/crd/bases. A binary is rebuilt only when
# hack/flux/go.mod, go.sum, the toolchain or the recipe changed.
set -euo pipefail

TARGETS=(source-controller kustomize-controller helm-controller)

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod="${root}/flux"
out="${DEVSTACK_TEST_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/devstack-test/bin}"

check=0
for arg in "$@"; do
	case "$arg" in
	--print-dir) echo "$out"; exit 0 ;;
	--check) check=1 ;;
	-h | --help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build-flux.sh: unknown argument ${arg}" >&2; exit 2 ;;
	esac
done

mkdir -p "$out"
chmod 0700 "$out" 2>/dev/null || true

if [[ $check -eq 0 ]] && command -v flock >/dev/null 2>&1 && [[ -z "${DEVSTACK_BUILD_FLUX_LOCKED:-}" ]]; then
	export DEVSTACK_BUILD_FLUX_LOCKED=1
	exec flock "${out}/.lock-flux" bash "${BASH_SOURCE[0]}" "$@"
fi

export CGO_ENABLED=0
ldflags="-s -w"
RECIPE=1
stamp="$(
	{
		echo "$RECIPE $ldflags"
		cat "${mod}/go.mod" "${mod}/go.sum"
		go env GOVERSION GOOS GOARCH
	} | sha256sum | cut -d' ' -f1
)"

fresh() { [[ -x "${out}/$1" && -f "${out}/.stamp-$1" && "$(cat "${out}/.stamp-$1")" == "$stamp" ]]; }

pkgs=()
names=()
for t in "${TARGETS[@]}"; do
	fresh "$t" && continue
	pkgs+=("github.com/fluxcd/${t}")
	names+=("$t")
done
crds_fresh=0
[[ -f "${out}/crds/flux/.stamp" && "$(cat "${out}/crds/flux/.stamp")" == "$stamp" ]] && crds_fresh=1
if [[ ${#pkgs[@]} -eq 0 && $crds_fresh -eq 1 ]]; then
	exit 0
fi
[[ $check -eq 1 ]] && exit 1

tmp="$(mktemp -d "${out}/.build-flux.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS

if [[ ${#pkgs[@]} -gt 0 ]]; then
	echo "build-flux.sh: building ${names[*]} into ${out}" >&2
	# One go build for the three shares the compilation of common deps.
	(cd "$mod" && go build -mod=readonly -trimpath -ldflags "$ldflags" -o "${tmp}/" "${pkgs[@]}")
fi

# The CRDs come from the very module versions the binaries were built from.
mkdir -p "${tmp}/crds"
for t in "${TARGETS[@]}"; do
	dir="$(cd "$mod" && go list -mod=readonly -m -f '{{.Dir}}' "github.com/fluxcd/${t}")"
	cp "${dir}"/config/crd/bases/*.yaml "${tmp}/crds/"
done
chmod 0644 "${tmp}"/crds/*.yaml

for t in "${names[@]}"; do
	mv -f "${tmp}/${t}" "${out}/${t}"
	echo "$stamp" >"${out}/.stamp-${t}"
done
rm -rf "${out}/crds/flux"
mkdir -p "${out}/crds"
mv "${tmp}/crds" "${out}/crds/flux"
echo "$stamp" >"${out}/crds/flux/.stamp"
echo "build-flux.sh: ${TARGETS[*]} up to date in ${out} ($((SECONDS - start))s)" >&2
