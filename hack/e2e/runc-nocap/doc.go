// Command runc-nocap is a runc wrapper for machines whose capability bounding
// set lacks capabilities that Docker grants to privileged containers (the CI
// VMs lack CAP_SYS_RESOURCE, so `docker run --privileged` fails with "unable
// to apply caps"). Registered as Docker's default runtime, it removes every
// capability the host cannot grant from the container's config.json (create,
// run) and from the process spec (exec), then executes the real runc with the
// same arguments. Nothing else of the spec changes.
package main
