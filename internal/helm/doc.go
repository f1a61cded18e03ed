// Package helm installs, upgrades, waits for and uninstalls the Helm
// releases of a stack, driving helm.sh/helm/v3 as a library.
//
// One Installer serves a whole run; Apply is the per-component work the
// scheduler (internal/dag) runs when a component's dependencies are ready:
//
//   - locate the chart (HTTP repository, OCI registry, local path or the
//     charts embedded in profiles/), downloading it at most once into the
//     cache directory;
//   - skip the component when the deployed release carries the digest of the
//     same chart and values and its resources pass the readiness check (a
//     converged re-run costs one read per release and one list per kind
//     and namespace); repair it by an upgrade to the same chart and values
//     when some were deleted by hand or are not ready;
//   - recover a release left pending by an interrupted run;
//   - install or upgrade, retrying transient errors (webhooks without
//     endpoints yet, connection refused while an operator starts);
//   - wait, honouring the context, until Deployments, StatefulSets,
//     DaemonSets, Jobs and Pods are ready (after a cluster restart, only
//     through pods their kubelet re-reported since: Options.ReadySince),
//     claims Bound, CRDs Established and the component's custom resources
//     (namespaced or cluster-scoped) Ready, reporting what it still waits
//     for;
//   - on a failed upgrade roll back so the previous release keeps serving,
//     and name the resource that failed and why (the pod's waiting reason or
//     the scheduler's message).
//
// Uninstall waits until the release's objects are gone (by UID: an object
// the cluster re-creates is another one); Leftovers and RemoveLeftovers
// deal with what Helm leaves behind.
//
// Helm's own wait is not used: in v3 it ignores the context, and it reports
// nothing while it waits.
package helm
