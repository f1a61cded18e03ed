package flux

import (
	"fmt"
	"strings"
)

func repoReadme(stages []Stage) string {
	var b strings.Builder
	b.WriteString("# Flux repository written by `devstack export flux`\n\n")
	b.WriteString("The same stack `devstack up` installs on a laptop, as Flux objects. Change the stack\n")
	b.WriteString("(the catalog, the profiles, your `-f` files) and export again; `devstack export flux DIR --check`\n")
	b.WriteString("exits 1 with a diff when this tree is out of date.\n\n")
	b.WriteString("| path | what |\n|---|---|\n")
	b.WriteString("| `apps/base/<component>/` | the Namespace, the chart's source (HelmRepository or OCIRepository) and the HelmRelease |\n")
	b.WriteString("| `charts/<component>/` | local charts, served from this repository's GitRepository |\n")
	b.WriteString("| `base/services/<component>.yaml` | a Flux Kustomization per component; `dependsOn` are the stack's dependencies |\n")
	for _, s := range stages {
		fmt.Fprintf(&b, "| `%s/` | stage %s: `base/services` and its differences as patches |\n", StageDir(s), s.Name)
	}
	b.WriteString("\nEach stage's README says how to bootstrap Flux on its cluster.\n")
	return b.String()
}

func stageReadme(base, s Stage) string {
	dir := StageDir(s)
	var b strings.Builder
	fmt.Fprintf(&b, "# Stage %s, cluster %s\n\n", s.Name, s.Cluster)
	fmt.Fprintf(&b, "`kustomization.yaml` applies every component of `base/services`")
	if s.Name == base.Name {
		b.WriteString(" as it is: this is the base stage.\n\n")
	} else {
		fmt.Fprintf(&b, " with this stage's differences from %s\n", base.Name)
		b.WriteString("in `patches/`: each patches one component's Flux Kustomization so that kustomize-controller\n")
		b.WriteString("patches that component's HelmRelease values (and timeout) when it applies it.\n\n")
	}
	b.WriteString("## Bootstrap\n\n")
	b.WriteString("Push this repository, then either\n\n")
	b.WriteString("**the Flux Operator** (it installs and upgrades the controllers itself): install the\n")
	b.WriteString("`flux-operator` chart (`oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator`), then apply\n\n")
	b.WriteString("```yaml\napiVersion: fluxcd.controlplane.io/v1\nkind: FluxInstance\nmetadata:\n  name: flux\n  namespace: flux-system\nspec:\n")
	b.WriteString("  distribution:\n    version: \"2.x\"\n    registry: ghcr.io/fluxcd\n")
	b.WriteString("  components: [source-controller, kustomize-controller, helm-controller, notification-controller]\n")
	fmt.Fprintf(&b, "  sync:\n    kind: GitRepository\n    url: https://git.example.com/you/fleet.git   # your repository\n    ref: refs/heads/main\n    path: %s\n", dir)
	b.WriteString("```\n\n")
	b.WriteString("**or `flux bootstrap`**:\n\n")
	fmt.Fprintf(&b, "```sh\nflux bootstrap git --url=ssh://git@git.example.com/you/fleet.git --branch=main --path=%s\n```\n\n", dir)
	b.WriteString("`flux bootstrap` writes `flux-system/` into this directory; add `- flux-system` to the\n")
	b.WriteString("`resources` of `kustomization.yaml` so that Flux also manages itself (the export keeps that line\n")
	b.WriteString("only if you add it by hand: it rewrites `kustomization.yaml`, so add it after each export, or use\n")
	b.WriteString("the Flux Operator, which needs no such line).\n\n")
	b.WriteString("Both create the GitRepository `flux-system/flux-system` that every Kustomization here and the\n")
	b.WriteString("HelmReleases of local charts read.\n\n")
	b.WriteString("## What `devstack up` does that this does not\n\n")
	b.WriteString("devstack's DNS resolver, its local CA and its image caches are laptop-only: on this cluster the\n")
	b.WriteString("ingress hosts need real DNS records and certificates, and images come from their registries.\n")
	return b.String()
}
