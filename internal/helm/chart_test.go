package helm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
	"sigs.k8s.io/yaml"

	"github.com/devstack-dev/devstack/internal/stack"
)

// packageChart packages testdata/charts/<name> and returns the archive.
func packageChart(t *testing.T, name string) []byte {
	t.Helper()
	ch, err := loader.Load(filepath.Join("testdata", "charts", name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := chartutil.Save(ch, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// offlineInstaller is an Installer for chart loading only: the kubeconfig
// it points at is never contacted.
func offlineInstaller(t *testing.T, opts Options) *Installer {
	t.Helper()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Kubeconfig = kc
	if opts.CacheDir == "" {
		opts.CacheDir = t.TempDir()
	}
	in, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func TestLoadChartFromRepositoryIsCached(t *testing.T) {
	archive := packageChart(t, "app")
	sum := sha256.Sum256(archive)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/charts/index.yaml":
			idx := repo.NewIndexFile()
			ch, _ := loader.LoadArchive(strings.NewReader(string(archive)))
			if err := idx.MustAdd(ch.Metadata, "app-0.1.0.tgz", "", hex.EncodeToString(sum[:])); err != nil {
				t.Error(err)
			}
			b, _ := yaml.Marshal(idx)
			_, _ = w.Write(b)
		case "/charts/app-0.1.0.tgz":
			_, _ = w.Write(archive)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cache := t.TempDir()
	c := stack.Planned{Component: stack.Component{Name: "app", Chart: &stack.Chart{Repo: srv.URL + "/charts", Name: "app", Version: "0.1.0"}}}

	for run := 1; run <= 2; run++ {
		in := offlineInstaller(t, Options{CacheDir: cache})
		ch, err := in.loadChart(context.Background(), c)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if ch.Metadata.Name != "app" || ch.Metadata.Version != "0.1.0" {
			t.Fatalf("run %d: loaded %s %s", run, ch.Metadata.Name, ch.Metadata.Version)
		}
		want := int64(1)
		if run == 2 {
			want = 0
		}
		if in.Downloads() != want {
			t.Fatalf("run %d: %d downloads, want %d", run, in.Downloads(), want)
		}
	}
	if requests.Load() != 2 {
		t.Fatalf("%d HTTP requests over two runs, want 2 (index and archive, once)", requests.Load())
	}

	missing := c
	missing.Chart = &stack.Chart{Repo: srv.URL + "/charts", Name: "app", Version: "9.9.9"}
	if _, err := offlineInstaller(t, Options{CacheDir: cache}).loadChart(context.Background(), missing); err == nil || !strings.Contains(err.Error(), "9.9.9") {
		t.Fatalf("missing version: err = %v", err)
	}
}

func TestLoadChartFromRepositoryRejectsBadDigest(t *testing.T) {
	archive := packageChart(t, "app")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "index.yaml") {
			idx := repo.NewIndexFile()
			ch, _ := loader.LoadArchive(strings.NewReader(string(archive)))
			_ = idx.MustAdd(ch.Metadata, "app-0.1.0.tgz", "", strings.Repeat("0", 64))
			b, _ := yaml.Marshal(idx)
			_, _ = w.Write(b)
			return
		}
		_, _ = w.Write(archive)
	}))
	defer srv.Close()
	in := offlineInstaller(t, Options{})
	c := stack.Planned{Component: stack.Component{Name: "app", Chart: &stack.Chart{Repo: srv.URL, Name: "app", Version: "0.1.0"}}}
	if _, err := in.loadChart(context.Background(), c); err == nil || !strings.Contains(err.Error(), "digest") {
		t.Fatalf("err = %v, want a digest mismatch", err)
	}
}

// TestLoadChartFromOCI serves the chart from a minimal in-process OCI
// registry (manifest, config and layer) and pulls it twice.
func TestLoadChartFromOCI(t *testing.T) {
	archive := packageChart(t, "app")
	blobs := map[string][]byte{}
	put := func(b []byte) (string, int) {
		s := sha256.Sum256(b)
		d := "sha256:" + hex.EncodeToString(s[:])
		blobs[d] = b
		return d, len(b)
	}
	cfgDigest, cfgSize := put([]byte(`{"name":"app","version":"0.1.0","apiVersion":"v2"}`))
	layerDigest, layerSize := put(archive)
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.cncf.helm.config.v1+json", "digest": cfgDigest, "size": cfgSize},
		"layers": []any{map[string]any{"mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip", "digest": layerDigest, "size": layerSize}},
	})
	manifestDigest, _ := put(manifest)
	var pulls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/" || r.URL.Path == "/v2":
			w.WriteHeader(http.StatusOK)
		case r.URL.Path == "/v2/charts/app/manifests/0.1.0" || r.URL.Path == "/v2/charts/app/manifests/"+manifestDigest:
			pulls.Add(1)
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Header().Set("Docker-Content-Digest", manifestDigest)
			w.Header().Set("Content-Length", strconvItoa(len(manifest)))
			if r.Method != http.MethodHead {
				_, _ = w.Write(manifest)
			}
		case strings.HasPrefix(r.URL.Path, "/v2/charts/app/blobs/"):
			b, ok := blobs[strings.TrimPrefix(r.URL.Path, "/v2/charts/app/blobs/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Length", strconvItoa(len(b)))
			if r.Method != http.MethodHead {
				_, _ = w.Write(b)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	cache := t.TempDir()
	c := stack.Planned{Component: stack.Component{Name: "app", Chart: &stack.Chart{
		OCI: "oci://" + strings.TrimPrefix(srv.URL, "http://") + "/charts/app", Version: "0.1.0"}}}
	for run := 1; run <= 2; run++ {
		in := offlineInstaller(t, Options{CacheDir: cache, PlainHTTPRegistry: true})
		ch, err := in.loadChart(context.Background(), c)
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if ch.Metadata.Name != "app" {
			t.Fatalf("run %d: loaded %s", run, ch.Metadata.Name)
		}
	}
	if got := pulls.Load(); got == 0 {
		t.Fatal("the registry was never asked for the manifest")
	}
	before := pulls.Load()
	in := offlineInstaller(t, Options{CacheDir: cache, PlainHTTPRegistry: true})
	if _, err := in.loadChart(context.Background(), c); err != nil || pulls.Load() != before || in.Downloads() != 0 {
		t.Fatalf("third run: err %v, registry asked %d more times, %d downloads; want the cache", err, pulls.Load()-before, in.Downloads())
	}
}

func TestLoadChartEmbeddedAndLocal(t *testing.T) {
	files := fstest.MapFS{}
	root := filepath.Join("testdata", "charts", "app")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files["charts/app/"+filepath.ToSlash(rel)] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in := offlineInstaller(t, Options{ChartFS: files})
	abs, _ := filepath.Abs(filepath.Join("testdata", "charts"))
	cases := []struct {
		Name  string
		Chart stack.Chart
		Dir   string
		Err   string
	}{
		{Name: "embedded", Chart: stack.Chart{Path: "charts/app", Embedded: true}},
		{Name: "relative to the stack file", Chart: stack.Chart{Path: "app"}, Dir: abs},
		{Name: "absolute", Chart: stack.Chart{Path: filepath.Join(abs, "app")}},
		{Name: "embedded missing", Chart: stack.Chart{Path: "charts/nope", Embedded: true}, Err: "charts/nope"},
		{Name: "remote without version", Chart: stack.Chart{Repo: "https://example.invalid", Name: "x"}, Err: "pinned"},
		{Name: "nothing", Chart: stack.Chart{}, Err: "names no path"},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			ch := tc.Chart
			c := stack.Planned{Component: stack.Component{Name: "app", Chart: &ch}, Dir: tc.Dir}
			got, err := in.loadChart(context.Background(), c)
			if tc.Err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.Err) {
					t.Fatalf("err = %v, want %q", err, tc.Err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Metadata.Name != "app" || len(got.Templates) != 3 {
				t.Fatalf("loaded %s with %d templates", got.Metadata.Name, len(got.Templates))
			}
		})
	}
}

func TestDigest(t *testing.T) {
	ch, err := loader.Load(filepath.Join("testdata", "charts", "app"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := digest(ch, "ns", map[string]any{"a": 1.0, "b": map[string]any{"c": "x", "d": true}})
	same, _ := digest(ch, "ns", map[string]any{"b": map[string]any{"d": true, "c": "x"}, "a": 1.0})
	if base != same {
		t.Fatal("the digest depends on map order")
	}
	if len(base) > 63 {
		t.Fatalf("digest %q does not fit a label value", base)
	}
	otherValue, _ := digest(ch, "ns", map[string]any{"a": 2.0, "b": map[string]any{"c": "x", "d": true}})
	otherNS, _ := digest(ch, "other", map[string]any{"a": 1.0, "b": map[string]any{"c": "x", "d": true}})
	ch.Raw[0].Data = append(append([]byte(nil), ch.Raw[0].Data...), '\n')
	otherFile, _ := digest(ch, "ns", map[string]any{"a": 1.0, "b": map[string]any{"c": "x", "d": true}})
	for name, d := range map[string]string{"value": otherValue, "namespace": otherNS, "chart file": otherFile} {
		if d == base {
			t.Errorf("changing the %s leaves the digest unchanged", name)
		}
	}
}

func strconvItoa(n int) string { return strconv.Itoa(n) }
