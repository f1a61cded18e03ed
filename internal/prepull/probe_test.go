package prepull

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

func TestExplain(t *testing.T) {
	diag := func(code, msg string) []transport.Diagnostic {
		return []transport.Diagnostic{{Code: transport.ErrorCode(code), Message: msg}}
	}
	cases := []struct {
		host   string
		err    error
		want   []string
		absent []string
	}{
		{"docker.io", &transport.Error{StatusCode: http.StatusTooManyRequests, Errors: diag("TOOMANYREQUESTS", "rate limit")},
			[]string{"docker.io answered 429 Too Many Requests (TOOMANYREQUESTS: rate limit)", "100 anonymous pulls per 6 hours", "docker login", "or wait"}, nil},
		{"ghcr.io", &transport.Error{StatusCode: http.StatusTooManyRequests},
			[]string{"ghcr.io answered 429", "docker login ghcr.io"}, []string{"Docker Hub"}},
		{"quay.io", &transport.Error{StatusCode: http.StatusUnauthorized, Errors: diag("UNAUTHORIZED", "access to the requested resource is not authorized")},
			[]string{"quay.io answered 401 Unauthorized (UNAUTHORIZED: access", "docker login quay.io"}, nil},
		{"registry.k8s.io", &transport.Error{StatusCode: http.StatusNotFound, Errors: diag("MANIFEST_UNKNOWN", "manifest unknown")},
			[]string{"registry.k8s.io answered 404 Not Found (MANIFEST_UNKNOWN: manifest unknown)", "does not exist"}, nil},
		{"ghcr.io", &transport.Error{StatusCode: http.StatusBadGateway}, []string{"ghcr.io answered 502 Bad Gateway"}, []string{"docker login"}},
		{"ghcr.io", errors.New("dial tcp: no such host"), []string{"dial tcp: no such host"}, []string{"answered"}},
	}
	for _, tc := range cases {
		got := Explain(tc.host, tc.err).Error()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Explain(%s, %v) = %q, missing %q", tc.host, tc.err, got, w)
			}
		}
		for _, a := range tc.absent {
			if strings.Contains(got, a) {
				t.Errorf("Explain(%s, %v) = %q, should not say %q", tc.host, tc.err, got, a)
			}
		}
	}
}

// The failures of `images pull` are listed one per image, in order, with
// the upstream's answer for each.
func TestPullFailuresNameEachImage(t *testing.T) {
	err := &PullFailures{Failed: map[string]string{
		"quay.io/b/y:2":         "quay.io: 401 Unauthorized: log in",
		"docker.io/library/a:1": "docker.io: 429 Too Many Requests: log in or wait",
	}}
	want := "2 image(s) could not be pulled:\n  - docker.io/library/a:1: docker.io: 429 Too Many Requests: log in or wait\n  - quay.io/b/y:2: quay.io: 401 Unauthorized: log in"
	if err.Error() != want {
		t.Errorf("error:\n%s\nwant:\n%s", err, want)
	}
}
