// Package kind owns devstack's local cluster: it turns the profile's cluster
// part into a kind configuration, creates the cluster with kind's Go API
// (sigs.k8s.io/kind/pkg/cluster), reuses it when it still matches, starts it
// again after `devstack down`, and refuses, with the list of differences,
// when the wanted cluster differs in a way kind cannot apply in place.
//
// kind's progress, which kind only reports through the log.Logger it is
// given, becomes events in devstack's one event stream.
//
// What devstack applied is stored in the state directory so that the next
// run compares against it; what is observable from the node containers
// (image, node count, port mappings, running or not) is compared too, so a
// cluster changed or created behind devstack's back is still judged right.
package kind
