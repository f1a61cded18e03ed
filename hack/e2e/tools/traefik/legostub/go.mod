// A stand-in for github.com/go-acme/lego/v5, which the module proxy these
// machines use refuses to serve. Traefik imports lego only for ACME
// (Let's Encrypt) certificate resolvers; the end-to-end test's ingress needs
// none, so this module offers the API Traefik compiles against and fails
// every ACME operation with ErrUnavailable. hack/e2e/node-image.sh points
// Traefik's build at it with a replace directive. Written for this project
// from the API Traefik uses; no lego code is copied.
module github.com/go-acme/lego/v5

go 1.22
