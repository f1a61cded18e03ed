package helm

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// On a real control plane: a change of an immutable value is refused
// before Helm runs, and the release and its objects stay as they were.
func TestIntegrationImmutableValueRefused(t *testing.T) {
	_, in, ns, ctx := integrationSetup(t)
	web := func(greeting string) Outcome {
		t.Helper()
		c := component("web", "app", ns, map[string]any{"greeting": greeting})
		c.Immutable = []string{"greeting"}
		got, err := in.Apply(ctx, c)
		var ie *ImmutableError
		switch {
		case greeting == "hello" && err != nil:
			t.Fatalf("apply %s: %v", greeting, err)
		case greeting != "hello" && !errors.As(err, &ie):
			t.Fatalf("apply %s: %q, %v; want an *ImmutableError", greeting, got, err)
		case ie != nil:
			if ie.ExitCode() != 2 || !strings.Contains(err.Error(), `values.greeting cannot change on an existing release: revision 1 was installed with "hello", the plan now says "bonjour"`) {
				t.Fatalf("error %q (exit %d)", err, ie.ExitCode())
			}
		}
		return got
	}
	if got := web("hello"); got != Installed {
		t.Fatalf("first apply: %q", got)
	}
	web("bonjour")
	if r := releaseOf(t, in, ns, "web"); r.Version != 1 {
		t.Errorf("release revision %d after the refusal, want 1 (nothing touched)", r.Version)
	}
	cm, err := in.clientset.CoreV1().ConfigMaps(ns).Get(ctx, "web", metav1.GetOptions{})
	if err != nil || cm.Data["greeting"] != "hello" {
		t.Fatalf("configmap %v, %v: want the installed greeting hello", cm.Data, err)
	}
	if got := web("hello"); got != Unchanged {
		t.Errorf("re-apply of the installed value: %q, want unchanged", got)
	}
}
