package up

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/devstack-dev/devstack/internal/stack"
)

// fakeImages records the images step's calls in the flow's order.
type fakeImages struct {
	f        *fakes
	startErr error
	// pullErr is what Watch adds to a failed install of pullFail.
	pullFail string
}

func (i *fakeImages) Start(context.Context, *stack.Plan) (map[string][]string, error) {
	i.f.note("images")
	if i.startErr != nil {
		return nil, i.startErr
	}
	return map[string][]string{"docker.io": {"http://devstack-cache-docker.io:5000"}}, nil
}

func (i *fakeImages) Attach(_ context.Context, t Target) error {
	i.f.note("registry:" + t.Context)
	return nil
}

func (i *fakeImages) Watch(_ context.Context, component string) func(error) error {
	return func(err error) error {
		if err != nil && component == i.pullFail {
			return errors.Join(err, errors.New("image docker.io/library/db:1: docker.io answered 429 Too Many Requests"))
		}
		return err
	}
}

func (i *fakeImages) Wait(context.Context) error { i.f.note("wait"); return nil }

// mirroredFakes is a cluster that takes mirrors.
type mirroredFakes struct {
	*fakes
	mirrors map[string][]string
}

func (m *mirroredFakes) UseMirrors(mirrors map[string][]string) { m.mirrors = mirrors }

func TestRunImagesBeforeTheClusterAndWarmAtTheEnd(t *testing.T) {
	f := &fakes{}
	mc := &mirroredFakes{fakes: f}
	r := f.runner(nil)
	r.Cluster = mc
	r.Images = &fakeImages{f: f}
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(f.calls, " ")
	want := "preflight images cluster registry:kind-devstack dns:kind-devstack connect:kind-devstack apply:operator apply:ingress apply:db apply:app wait"
	if got != want {
		t.Fatalf("calls\n%s\nwant\n%s", got, want)
	}
	if want := map[string][]string{"docker.io": {"http://devstack-cache-docker.io:5000"}}; !reflect.DeepEqual(mc.mirrors, want) {
		t.Errorf("the cluster got mirrors %v, want %v", mc.mirrors, want)
	}
}

func TestRunImagesFailureStopsBeforeTheCluster(t *testing.T) {
	f := &fakes{}
	r := f.runner(nil)
	r.Images = &fakeImages{f: f, startErr: errors.New("--offline: 1 image(s) are not in the caches")}
	_, err := r.Run(context.Background())
	var pe *PhaseError
	if !errors.As(err, &pe) || pe.Phase != "images" {
		t.Fatalf("err = %v, want the images phase", err)
	}
	if got := strings.Join(f.calls, " "); got != "preflight images" {
		t.Fatalf("calls %q: the cluster was touched", got)
	}
}

func TestRunInstallFailureNamesTheImage(t *testing.T) {
	f := &fakes{failApply: "db"}
	r := f.runner(nil)
	r.Images = &fakeImages{f: f, pullFail: "db"}
	_, err := r.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "docker.io/library/db:1: docker.io answered 429") {
		t.Fatalf("err = %v, want the image's refusal in db's reason", err)
	}
	if strings.Contains(strings.Join(f.calls, " "), "wait") {
		t.Error("waited for the warming after a failed install")
	}
}
