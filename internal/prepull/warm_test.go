package prepull

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/devstack-dev/devstack/internal/event"
)

// fakeCache is an in-memory registry standing in for a cache, counting
// the blob GETs it serves; gate, when set, holds the GET of the blob
// gated until closed.
type fakeCache struct {
	srv   *httptest.Server
	mu    sync.Mutex
	gets  map[string]int
	order []string // blob paths in the order they were asked for
	gated string
	gate  chan struct{}
	inGet chan struct{}
}

func newFakeCache(t *testing.T) *fakeCache {
	t.Helper()
	f := &fakeCache{gets: map[string]int{}}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			f.mu.Lock()
			f.gets[r.URL.Path]++
			f.order = append(f.order, r.URL.Path)
			gate, inGet := f.gate, f.inGet
			if f.gated == "" || !strings.HasSuffix(r.URL.Path, f.gated) {
				gate = nil
			}
			f.mu.Unlock()
			if gate != nil {
				inGet <- struct{}{}
				<-gate
			}
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCache) addr() string { return strings.TrimPrefix(f.srv.URL, "http://") }

// push writes a random image of layers layers to repo:tag and returns it.
func (f *fakeCache) push(t *testing.T, repoTag string, img v1.Image) {
	t.Helper()
	ref, err := name.ParseReference(f.addr()+"/"+repoTag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
}

func randomImage(t *testing.T, size int64, layers int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, layers)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func imageSize(t *testing.T, img v1.Image) int64 {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n
}

func TestWarmFetchesEveryBlobOnce(t *testing.T) {
	cache := newFakeCache(t)
	shared := randomImage(t, 1000, 2)
	other := randomImage(t, 2000, 3)
	cache.push(t, "team/app:1", shared)
	cache.push(t, "team/app:2", shared) // same blobs under a second tag
	cache.push(t, "tool:1", other)
	rec := &event.Recorder{}
	w := New(Options{Sink: rec, Every: 10 * time.Millisecond})
	res := w.Run(context.Background(), []Image{
		{Ref: "ghcr.io/team/app:1", Components: []string{"a"}},
		{Ref: "ghcr.io/team/app:2", Components: []string{"b"}},
		{Ref: "ghcr.io/team/app:1", Components: []string{"c"}}, // named twice
		{Ref: "ghcr.io/tool:1", Components: []string{"a"}},
		{Ref: "quay.io/elsewhere:1", Components: []string{"a"}}, // no cache: left alone
	}, map[string]string{"ghcr.io": cache.addr()})

	if res.Images != 3 || len(res.Failed) != 0 {
		t.Fatalf("result = %+v, want 3 images, none failed", res)
	}
	if want := imageSize(t, shared) + imageSize(t, other); res.Bytes != want {
		t.Errorf("bytes = %d, want %d (the shared image counted once)", res.Bytes, want)
	}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if len(cache.gets) != 2+1+3+1 {
		t.Errorf("%d distinct blobs fetched, want 7: %v", len(cache.gets), cache.gets)
	}
	for p, n := range cache.gets {
		if n != 1 {
			t.Errorf("blob %s fetched %d times", p, n)
		}
	}
	last := rec.Events()[len(rec.Events())-1]
	if last.Source != event.SourceImages || last.Name != StepName || last.State != event.Succeeded || !strings.Contains(last.Message, "3 images") {
		t.Errorf("last event = %+v, want the pre-pull step succeeded with 3 images", last)
	}
}

func TestWarmReportsPendingImagesOfAComponent(t *testing.T) {
	cache := newFakeCache(t)
	img := randomImage(t, 500_000, 1)
	cache.push(t, "library/big:1", img)
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	cache.mu.Lock()
	cache.gated, cache.gate, cache.inGet = d.String(), make(chan struct{}), make(chan struct{}, 1)
	cache.mu.Unlock()
	w := New(Options{Every: 10 * time.Millisecond})
	done := make(chan Result)
	go func() {
		done <- w.Run(context.Background(), []Image{{Ref: "docker.io/library/big:1", Components: []string{"db"}}}, map[string]string{"docker.io": cache.addr()})
	}()
	<-cache.inGet // the layer is being fetched
	if got := w.Pending("db"); !strings.HasPrefix(got, "pulling docker.io/library/big:1: ") || !strings.HasSuffix(got, " MB") {
		t.Errorf("Pending(db) = %q, want the image and its bytes", got)
	}
	if got := w.Pending("other"); got != "" {
		t.Errorf("Pending(other) = %q, want nothing", got)
	}
	close(cache.gate)
	<-done
	if got := w.Pending("db"); got != "" {
		t.Errorf("Pending(db) after the run = %q, want nothing", got)
	}
}

func TestWarmNamesTheUpstreamsAnswer(t *testing.T) {
	cache := newFakeCache(t)
	limited := &transport.Error{StatusCode: http.StatusTooManyRequests,
		Errors: []transport.Diagnostic{{Code: transport.ErrorCode("TOOMANYREQUESTS"), Message: "You have reached your pull rate limit."}}}
	var asked []string
	w := New(Options{Diagnose: func(_ context.Context, ref string, _ []string) error {
		asked = append(asked, ref)
		return Explain("docker.io", limited)
	}})
	res := w.Run(context.Background(), []Image{{Ref: "docker.io/library/redis:7.4", Components: []string{"redis"}}}, map[string]string{"docker.io": cache.addr()})
	why := res.Failed["docker.io/library/redis:7.4"]
	for _, want := range []string{"docker.io/library/redis:7.4", "429", "TOOMANYREQUESTS", "docker login"} {
		if !strings.Contains(why, want) {
			t.Errorf("failure %q does not say %q", why, want)
		}
	}
	err := w.Failure(context.Background(), "redis")
	var pe *PullError
	if !errors.As(err, &pe) || pe.Image != "docker.io/library/redis:7.4" {
		t.Errorf("Failure(redis) = %v, want a PullError naming the image", err)
	}
	if w.Failure(context.Background(), "other") != nil {
		t.Error("Failure(other) is not nil")
	}
	if len(asked) == 0 {
		t.Error("the upstream was never asked")
	}
}

func TestWarmFetchesTheFirstLayersFirst(t *testing.T) {
	cache := newFakeCache(t)
	app := randomImage(t, 50_000, 1) // big, but its component installs last
	db := randomImage(t, 1_000, 1)
	cache.push(t, "app:1", app)
	cache.push(t, "db:1", db)
	w := New(Options{Parallel: 1, Layer: map[string]int{"app": 2, "db": 0}})
	res := w.Run(context.Background(), []Image{
		{Ref: "ghcr.io/app:1", Components: []string{"app"}},
		{Ref: "ghcr.io/db:1", Components: []string{"db"}},
	}, map[string]string{"ghcr.io": cache.addr()})
	if len(res.Failed) > 0 {
		t.Fatal(res.Failed)
	}
	layerOf := func(img v1.Image) string {
		ls, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		d, err := ls[0].Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d.String()
	}
	layers := map[string]bool{layerOf(app): true, layerOf(db): true}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	var repos []string
	for _, p := range cache.order {
		repo, digest, _ := strings.Cut(strings.TrimPrefix(p, "/v2/"), "/blobs/")
		if !layers[digest] {
			continue // a config, which resolving the image may read
		}
		if len(repos) == 0 || repos[len(repos)-1] != repo {
			repos = append(repos, repo)
		}
	}
	// one at a time: db's layer (component layer 0) before app's (layer 2),
	// though app's is the bigger
	if got := strings.Join(repos, ","); got != "db,app" {
		t.Errorf("blob order by repository %s, want db's, then app's", got)
	}
}
