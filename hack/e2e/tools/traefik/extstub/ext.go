// Package ext holds the (empty) extension points of Traefik's dynamic
// configuration types.
package ext

// HTTP extends the HTTP configuration.
type HTTP struct{}

// Router extends a router.
type Router struct{}

// RouterIng extends a router built from Ingress annotations.
type RouterIng struct{}

// ToRouter converts the Ingress extension into the router's.
func (RouterIng) ToRouter() Router { return Router{} }
