package prepull

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/devstack-dev/devstack/internal/event"
)

// DefaultParallel bounds the blobs fetched at once: enough to fill a link,
// few enough that the caches and the engine's disk keep up.
const DefaultParallel = 4

// StepName is the name of pre-pull's step in the event stream.
const StepName = "pre-pull"

// Options configure a Warmer; zero values are the defaults.
type Options struct {
	Parallel int
	// Platform is the nodes' platform; zero: linux on this machine's
	// architecture (the engine's VM matches it on macOS).
	Platform v1.Platform
	// Insecure lists upstreams reached over plain HTTP, for the diagnosis.
	Insecure []string
	Sink     event.Sink
	// Transport reaches the caches; zero: http.DefaultTransport.
	Transport http.RoundTripper
	// Diagnose asks an image's upstream directly why it cannot be had;
	// zero: Probe.
	Diagnose func(ctx context.Context, ref string, insecure []string) error
	// Every is the period of the progress events; zero: one second.
	Every time.Duration
	// Layer is each component's layer (its longest dependency chain): the
	// blobs of the components that install first are fetched first.
	Layer map[string]int
}

// Warmer pulls the plan's images through the caches. Its methods are safe
// for concurrent use, so the installs can ask it how far an image is.
type Warmer struct {
	opts Options

	mu     sync.Mutex
	images map[string]*imageState
	blobs  map[string]*blob // by cache repository and digest
	total  int64
	done   int64
}

type imageState struct {
	Image
	blobs    []*blob
	resolved bool
	err      error
}

type blob struct {
	addr, repo string
	digest     v1.Hash
	size, done int64
	finished   bool
	err        error
	// layer is the earliest layer of a component that needs the blob.
	layer int
}

// New returns a Warmer.
func New(opts Options) *Warmer {
	if opts.Parallel < 1 {
		opts.Parallel = DefaultParallel
	}
	if opts.Platform.OS == "" {
		opts.Platform = v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	}
	if opts.Sink == nil {
		opts.Sink = event.Discard
	}
	if opts.Transport == nil {
		opts.Transport = http.DefaultTransport
	}
	if opts.Diagnose == nil {
		opts.Diagnose = Probe
	}
	if opts.Every <= 0 {
		opts.Every = time.Second
	}
	return &Warmer{opts: opts, images: map[string]*imageState{}, blobs: map[string]*blob{}}
}

// Result says what a run warmed.
type Result struct {
	Images int   `json:"images"`
	Bytes  int64 `json:"bytes"`
	// Failed maps an image reference to why it could not be had.
	Failed map[string]string `json:"failed,omitempty"`
}

// Run pulls every image through the cache of its registry (caches maps a
// registry host to the cache's loopback address) and returns once all are
// warm or failed. Images of a registry without a cache are left alone.
func (w *Warmer) Run(ctx context.Context, images []Image, caches map[string]string) Result {
	started := time.Now()
	images = Merge(images)
	w.emit(event.Running, fmt.Sprintf("warming the caches with %d images", len(images)))
	stop := w.ticker(ctx)
	defer stop()

	// Manifests first, all at once (they are small): then the total is known.
	var wg sync.WaitGroup
	sem := make(chan struct{}, w.opts.Parallel)
	for _, im := range images {
		addr, ok := caches[im.Host()]
		if !ok {
			continue
		}
		st := &imageState{Image: im}
		w.mu.Lock()
		w.images[im.Ref] = st
		w.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			w.resolve(ctx, st, addr)
		}()
	}
	wg.Wait()
	// Then every distinct blob once, in the order the installs need them
	// (by layer), and within a layer biggest first: the long fetches start
	// early and the small ones fill the gaps.
	w.mu.Lock()
	pending := make([]*blob, 0, len(w.blobs))
	for _, b := range w.blobs {
		if !b.finished {
			pending = append(pending, b)
		}
	}
	w.mu.Unlock()
	sort.Slice(pending, func(i, j int) bool {
		if pending[i].layer != pending[j].layer {
			return pending[i].layer < pending[j].layer
		}
		return pending[i].size > pending[j].size
	})
	// The slot is taken here, in that order, not inside the goroutines:
	// goroutines reach a channel in no set order, and the order is the point.
admit:
	for _, b := range pending {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break admit
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			w.fetch(ctx, b)
		}()
	}
	wg.Wait()
	stop()
	return w.finish(ctx, started)
}

func (w *Warmer) finish(ctx context.Context, started time.Time) Result {
	w.mu.Lock()
	res := Result{Bytes: w.total}
	var failed []*imageState
	for _, st := range w.images {
		res.Images++
		if err := st.failure(); err != nil {
			failed = append(failed, st)
		}
	}
	w.mu.Unlock()
	took := time.Since(started).Round(100 * time.Millisecond)
	if ctx.Err() != nil {
		w.sink(event.Event{State: event.Cancelled, Message: ctx.Err().Error(), Elapsed: took})
		return res
	}
	msg := fmt.Sprintf("%d images, %s in the caches", res.Images, MB(res.Bytes))
	if len(failed) > 0 {
		res.Failed = map[string]string{}
		var names []string
		for _, st := range failed {
			err := w.diagnose(ctx, st)
			res.Failed[st.Ref] = err.Error()
			names = append(names, st.Ref)
		}
		sort.Strings(names)
		w.emit(event.Warning, fmt.Sprintf("%d of %d images could not be pulled: %s", len(failed), res.Images, strings.Join(names, ", ")))
		msg = fmt.Sprintf("%d of %d images, %s in the caches", res.Images-len(failed), res.Images, MB(res.Bytes))
	}
	w.sink(event.Event{State: event.Succeeded, Message: msg, Elapsed: took})
	return res
}

// resolve fetches an image's manifest (and index) through the cache and
// registers its blobs.
func (w *Warmer) resolve(ctx context.Context, st *imageState, addr string) {
	ref, err := onCache(st.Ref, addr)
	if err == nil {
		var img v1.Image
		img, err = remote.Image(ref, remote.WithContext(ctx), remote.WithPlatform(w.opts.Platform), remote.WithTransport(w.opts.Transport))
		if err == nil {
			var m *v1.Manifest
			if m, err = img.Manifest(); err == nil {
				w.register(st, addr, ref.Context().RepositoryStr(), append([]v1.Descriptor{m.Config}, m.Layers...))
				return
			}
		}
	}
	w.mu.Lock()
	st.err, st.resolved = err, true
	w.mu.Unlock()
}

func (w *Warmer) register(st *imageState, addr, repo string, descs []v1.Descriptor) {
	w.mu.Lock()
	defer w.mu.Unlock()
	layer := -1
	for _, c := range st.Components {
		if l := w.opts.Layer[c]; layer < 0 || l < layer {
			layer = l
		}
	}
	layer = max(layer, 0)
	for _, d := range descs {
		key := addr + "/" + repo + "@" + d.Digest.String()
		b, ok := w.blobs[key]
		if !ok {
			b = &blob{addr: addr, repo: repo, digest: d.Digest, size: d.Size, layer: layer}
			w.blobs[key] = b
			w.total += d.Size
		}
		b.layer = min(b.layer, layer)
		st.blobs = append(st.blobs, b)
	}
	st.resolved = true
}

// fetch reads one blob through the cache, which stores it as it serves it.
func (w *Warmer) fetch(ctx context.Context, b *blob) {
	err := func() error {
		url := fmt.Sprintf("http://%s/v2/%s/blobs/%s", b.addr, b.repo, b.digest)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := (&http.Client{Transport: w.opts.Transport}).Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			return fmt.Errorf("GET %s: %s: %s", b.digest, resp.Status, strings.TrimSpace(string(body)))
		}
		_, err = io.Copy(io.Discard, &counter{r: resp.Body, add: func(n int64) { w.add(b, n) }})
		return err
	}()
	w.mu.Lock()
	b.finished, b.err = true, err
	if err == nil && b.done < b.size {
		w.done += b.size - b.done // a blob served shorter than declared still counts as done
		b.done = b.size
	}
	w.mu.Unlock()
}

func (w *Warmer) add(b *blob, n int64) {
	w.mu.Lock()
	b.done += n
	w.done += n
	w.mu.Unlock()
}

type counter struct {
	r   io.Reader
	add func(int64)
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}

// failure is the image's error: its manifest's or its first failed blob's.
// The caller holds w.mu.
func (st *imageState) failure() error {
	if st.err != nil {
		return st.err
	}
	for _, b := range st.blobs {
		if b.err != nil {
			return b.err
		}
	}
	return nil
}

// complete reports whether every blob of the image is in its cache. The
// caller holds w.mu.
func (st *imageState) complete() bool {
	if !st.resolved || st.err != nil {
		return st.resolved
	}
	for _, b := range st.blobs {
		if !b.finished {
			return false
		}
	}
	return true
}

func (st *imageState) bytes() (done, total int64) {
	for _, b := range st.blobs {
		done += b.done
		total += b.size
	}
	return done, total
}

// ticker emits the step's progress every period until stopped.
func (w *Warmer) ticker(ctx context.Context) func() {
	done := make(chan struct{})
	var once sync.Once
	go func() {
		t := time.NewTicker(w.opts.Every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				w.emit(event.Progress, w.progress())
			}
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}

func (w *Warmer) progress() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	warm := 0
	for _, st := range w.images {
		if st.complete() {
			warm++
		}
	}
	return fmt.Sprintf("%d/%d images, %s/%s", warm, len(w.images), mbNumber(w.done), MB(w.total))
}

func (w *Warmer) emit(state event.State, msg string) {
	w.sink(event.Event{State: state, Message: msg})
}

func (w *Warmer) sink(e event.Event) {
	e.Source, e.Name = event.SourceImages, StepName
	w.opts.Sink.Emit(event.Stamp(e))
}

// MB formats a byte count for people: "820 MB".
func MB(n int64) string { return mbNumber(n) + " MB" }

func mbNumber(n int64) string {
	mb := float64(n) / 1e6
	if mb < 10 {
		return fmt.Sprintf("%.1f", mb)
	}
	return fmt.Sprintf("%.0f", mb)
}
