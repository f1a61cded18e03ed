// Package preflight is the machine check of `devstack doctor` and the first
// phase of `devstack up`: the doctor's checks configured for one plan on
// this machine (engine, memory and CPUs against the plan's requests, the
// ingress and resolver ports, inotify, disk), where ports devstack's own
// cluster or resolver already hold count as free.
package preflight
