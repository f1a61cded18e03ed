package helm

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestHeldBy(t *testing.T) {
	cases := []struct {
		Name, Object, Want string
	}{
		{Name: "finalizer", Object: `
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: pg
  deletionTimestamp: "2026-12-02T01:00:00Z"
  finalizers: [cnpg.io/cluster]`,
			Want: "(being deleted since 2026-12-02T01:00:00Z; finalizers cnpg.io/cluster not yet removed (their controller must run them))"},
		{Name: "owner, never deleted", Object: `
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  ownerReferences: [{apiVersion: v1, kind: Secret, name: s, uid: "1"}]`,
			Want: "(not being deleted (no deletionTimestamp); owned by secret/s)"},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var obj unstructured.Unstructured
			decode(t, tc.Object, &obj)
			if got := heldBy(&obj, nil); got != tc.Want {
				t.Errorf("heldBy =\n%s\nwant\n%s", got, tc.Want)
			}
		})
	}
	if got := heldBy(nil, errors.New("forbidden")); got != "(could not be read: forbidden)" {
		t.Errorf("heldBy of an unreadable object = %q", got)
	}
}
