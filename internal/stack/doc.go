// Package stack loads the catalog, a profile and the user's files, merges
// them in that order, validates the result and resolves it into a Plan: the
// components to install, their merged values, their layers and the critical
// path. Everything that can be wrong with the input is found here, before
// anything touches a cluster.
package stack
