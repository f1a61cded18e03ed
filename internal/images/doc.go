// Package images parses container image references and collects every
// image a stack pulls: the containers, init containers and ephemeral
// containers of every workload its charts render (Pod, Deployment,
// StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob,
// PodTemplate), and the images the catalog declares for the pods that
// operators create at run time (a component's `images:`).
//
// References are normalised as the container runtime reads them
// (github.com/distribution/reference, the parser Docker and containerd
// use): "nginx:1.27" is docker.io/library/nginx:1.27, so two spellings of
// one image are one image.
package images
