// A stand-in for github.com/traefik/traefik/dynamic/ext, a module nested in
// Traefik's repository that Traefik's own go.mod reaches with a local replace
// directive; module zips leave nested modules out, so a build from the module
// proxy cannot find it. In Traefik's open-source build its types are empty
// extension points; this module declares the same empty types.
module github.com/traefik/traefik/dynamic/ext

go 1.22
