// Package flux turns resolved stack plans into a Flux repository in the
// seed's layout (seed 004): apps/base/<component>/ with the Namespace, the
// chart's source and a HelmRelease; base/services/<component>.yaml with one
// Flux Kustomization per component whose dependsOn are the plan's edges;
// clusters/stages/<stage>/clusters/<cluster>/ with each stage's
// differences as patches.
//
// The first stage is the base: apps/base and base/services carry its
// values, and every other stage patches the Flux Kustomization of each
// component whose values differ, adding a spec.patches entry that
// kustomize-controller applies to that component's HelmRelease when it
// builds apps/base/<component>. A stage's difference therefore reaches the
// one HelmRelease it belongs to and nothing else.
//
// Output is a Tree (path -> bytes), deterministic for the same plans.
package flux
