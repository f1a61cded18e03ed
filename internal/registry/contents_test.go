package registry

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// links builds the tar `docker cp` returns for repositories/: path -> link.
func links(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for p, l := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "repositories/" + p, Size: int64(len(l)), Mode: 0o644, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func revision(d v1.Hash) string {
	return "/_manifests/revisions/" + d.Algorithm + "/" + d.Hex + "/link"
}
func layer(d v1.Hash) string { return "/_layers/" + d.Algorithm + "/" + d.Hex + "/link" }

func TestStoredReadsOnlyTheLinks(t *testing.T) {
	srv := httptest.NewServer(ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(addr+"/library/redis:7", name.Insecure)
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	dig, _ := img.Digest()
	m, _ := img.Manifest()
	full := map[string]string{
		"library/redis/_manifests/tags/7/current/link": dig.String(),
		"library/redis" + revision(dig):                dig.String(),
		"library/redis" + layer(m.Config.Digest):       m.Config.Digest.String(),
	}
	for _, l := range m.Layers {
		full["library/redis"+layer(l.Digest)] = l.Digest.String()
	}
	partial := map[string]string{}
	for k, v := range full {
		if k != "library/redis"+layer(m.Layers[1].Digest) {
			partial[k] = v
		}
	}
	linux := v1.Platform{OS: "linux", Architecture: "amd64"}
	cases := []struct {
		name  string
		files map[string]string
		id    string
		want  bool
	}{
		{"whole", full, "7", true},
		{"by digest", full, dig.String(), true},
		{"a layer missing", partial, "7", false},
		{"another tag", full, "8", false},
	}
	for _, tc := range cases {
		c, err := parseContents(links(t, tc.files))
		if err != nil {
			t.Fatal(err)
		}
		got, size, err := c.Stored(context.Background(), addr, "library/redis", tc.id, linux)
		if err != nil || got != tc.want {
			t.Errorf("%s: Stored = %v, %v; want %v", tc.name, got, err, tc.want)
		}
		if got && size != m.Config.Size+m.Layers[0].Size+m.Layers[1].Size {
			t.Errorf("%s: size %d", tc.name, size)
		}
	}
}

func TestUnusedKeepsSharedManifests(t *testing.T) {
	c, err := parseContents(links(t, map[string]string{
		"library/redis/_manifests/tags/7/current/link":   "sha256:aaa",
		"library/redis/_manifests/tags/7.4/current/link": "sha256:aaa", // the same image as a used tag
		"library/redis/_manifests/tags/6/current/link":   "sha256:bbb",
		"old/tool/_manifests/tags/1/current/link":        "sha256:ccc",
	}))
	if err != nil {
		t.Fatal(err)
	}
	used := UsedTags("docker.io", []string{"docker.io/library/redis:7", "ghcr.io/old/tool:1", "docker.io/library/x@sha256:" + strings.Repeat("a", 64)})
	if want := map[string]bool{"library/redis:7": true}; !reflect.DeepEqual(used, want) {
		t.Errorf("UsedTags = %v, want %v", used, want)
	}
	got := c.Unused(used)
	want := map[string][]string{"library/redis": {"6"}, "old/tool": {"1"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Unused = %v, want %v", got, want)
	}
}
