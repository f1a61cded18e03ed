// Package prepull warms devstack's registry caches with every image of the
// plan while the cluster is being created, so that no pod waits for a pull
// on the critical path of the installs. Pulling an image through a cache's
// registry API is enough: distribution's proxy stores what it serves.
//
// Every manifest is resolved first (the total is then known), then every
// distinct blob is fetched once, with bounded concurrency, however many
// images or components share it. Progress goes to the event stream as one
// step (bytes done and total), and a component being installed while its
// images are still arriving says which and how far.
//
// An image that cannot be fetched is diagnosed against its upstream
// directly, because the cache hides the upstream's answer (a tag it cannot
// resolve is "manifest unknown" whatever the upstream said): 429 (Docker
// Hub's pull limit, with what to do), 401 and 404 are named with the
// image and the registry's own words.
package prepull
