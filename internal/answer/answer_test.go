package answer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/devstack-dev/devstack/internal/stack"
)

func planWithHosts(hosts ...string) *stack.Plan {
	return &stack.Plan{Components: []stack.Planned{{Component: stack.Component{Name: "web", Hosts: hosts}}}}
}

// An ingress that says 503 (no ready endpoint yet) for a while, then
// serves: Wait returns only once each host got a real answer.
func TestWaitUntilTheBackendAnswers(t *testing.T) {
	var calls atomic.Int32
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		seen[r.Host] = true
		w.WriteHeader(http.StatusFound) // a redirect to a login page answers too
	}))
	defer srv.Close()
	c := &Check{Addr: strings.TrimPrefix(srv.URL, "http://"), Timeout: 20 * time.Second}
	if err := c.Wait(context.Background(), planWithHosts("a.test", "b.test")); err != nil {
		t.Fatal(err)
	}
	if !seen["a.test"] || !seen["b.test"] {
		t.Errorf("the requests did not carry the hosts: %v", seen)
	}
	if calls.Load() < 5 {
		t.Errorf("%d requests: Wait returned before the backend answered", calls.Load())
	}
}

// A host that never answers is named with its last answer.
func TestWaitNamesWhatNeverAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host == "down.test" {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	c := &Check{Addr: strings.TrimPrefix(srv.URL, "http://"), Timeout: 700 * time.Millisecond}
	err := c.Wait(context.Background(), planWithHosts("up.test", "down.test"))
	var na *NotAnsweringError
	if !errors.As(err, &na) {
		t.Fatalf("err = %v, want a NotAnsweringError", err)
	}
	if _, ok := na.Last["up.test"]; ok || !strings.Contains(err.Error(), "http://down.test: HTTP 502 from the ingress") {
		t.Errorf("err = %v", err)
	}
}

// Nothing listening: the connection error is the reason.
func TestWaitConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(srv.URL, "http://")
	srv.Close()
	c := &Check{Addr: addr, Timeout: 500 * time.Millisecond}
	err := c.Wait(context.Background(), planWithHosts("x.test"))
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v, want connection refused", err)
	}
}

func TestNoHostsNothingToWaitFor(t *testing.T) {
	if err := (&Check{Addr: "127.0.0.1:1"}).Wait(context.Background(), planWithHosts()); err != nil {
		t.Error(err)
	}
}

func TestForPlanUsesTheClusterPort(t *testing.T) {
	p := planWithHosts("a")
	p.Cluster.HTTPPort = 18080
	if got := ForPlan(p).Addr; got != "127.0.0.1:18080" {
		t.Errorf("addr = %s", got)
	}
}
