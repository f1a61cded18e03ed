// Package paths names the directories devstack keeps its state and caches
// in, and creates them private to the user (0700), since they hold
// kubeconfigs, pid files and logs.
package paths
