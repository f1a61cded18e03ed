// Package clustertls puts devstack's CA to work in the cluster: it issues
// the ingress's default certificate (every host of the plan as a SAN),
// stores it as the Secret Traefik's TLSStore "default" names, re-issues it
// when the hosts change or it nears its end, publishes the root as a
// ConfigMap bundle in every namespace the plan installs into, and, when
// cert-manager is in the plan, backs a ClusterIssuer of type CA with a
// name-constrained intermediate (the root's key never enters the cluster).
//
// Everything it creates carries the label app.kubernetes.io/managed-by:
// devstack.
package clustertls
