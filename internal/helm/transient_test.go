package helm

import (
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestTransient(t *testing.T) {
	cases := []struct {
		Name string
		Err  error
		Want bool
	}{
		{"nil", nil, false},
		{"webhook without endpoints", errors.New(`Internal error occurred: failed calling webhook "validate.nginx.ingress.kubernetes.io": failed to call webhook: Post "https://ingress-nginx-controller-admission.ingress-nginx.svc:443/networking/v1/ingresses?timeout=10s": no endpoints available for service "ingress-nginx-controller-admission"`), true},
		{"connection refused", fmt.Errorf("install: %w", errors.New("dial tcp 10.96.12.3:443: connect: connection refused")), true},
		{"service unavailable", apierrors.NewServiceUnavailable("starting"), true},
		{"too many requests", apierrors.NewTooManyRequests("slow down", 1), true},
		{"webhook internal error", apierrors.NewInternalError(errors.New("calling webhook x: context deadline exceeded")), true},
		{"kind not served yet", errors.New(`resource mapping not found for name: "pg" namespace: "" from "": no matches for kind "Cluster" in version "postgresql.cnpg.io/v1"`), true},
		{"invalid object", apierrors.NewInvalid(schema.GroupKind{Kind: "Deployment"}, "x", nil), false},
		{"template error", errors.New(`template: app/templates/x.yaml:3:4: executing "x" at <.Values.a.b>: nil pointer evaluating interface {}.b`), false},
		{"forbidden", apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "x", errors.New("no")), false},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			if got := transient(tc.Err); got != tc.Want {
				t.Fatalf("transient(%v) = %v, want %v", tc.Err, got, tc.Want)
			}
		})
	}
}
