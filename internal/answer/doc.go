// Package answer checks that the stack's hosts answer through the ingress
// on the host's mapped HTTP port: the last step of `devstack up`, so that
// "ready" in its summary means a browser gets a page, not only that the
// pods report Ready (after a cluster restart the Service endpoints and the
// node's port rules lag the pods' status by a few seconds).
package answer
