//go:build tools

// Package tools pins the Flux controllers built by hack/build-flux.sh so
// that `go mod tidy` keeps their dependencies in go.sum.
package tools

import (
	_ "github.com/fluxcd/helm-controller"
	_ "github.com/fluxcd/kustomize-controller"
	_ "github.com/fluxcd/source-controller"
)
