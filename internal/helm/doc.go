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
//     same chart and values (a converged re-run costs one read per release);
//   - recover a release left pending by an interrupted run;
//   - install or upgrade, retrying transient errors (webhooks without
//     endpoints yet, connection refused while an operator starts);
//   - wait, honouring the context, until Deployments, StatefulSets,
//     DaemonSets, Jobs and Pods are ready, CRDs Established and the
//     component's custom resources Ready, reporting what it still waits for;
//   - on a failed upgrade roll back so the previous release keeps serving,
//     and name the resource that failed and why (the pod's waiting reason or
//     the scheduler's message).
//
// Helm's own wait is not used: in v3 it ignores the context, and it reports
// nothing while it waits.
package helm
