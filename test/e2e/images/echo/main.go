// Command echo is the end-to-end test's HTTP echo service: it answers every
// request with a JSON document naming the request's host and path and the
// pod that served it, so the test can prove a request crossed the resolver,
// the ingress controller and the Service to this pod.
//
// With -get URL it is the client instead: it resolves URL's host through
// the pod's resolv.conf (the cluster's CoreDNS), sends a GET and exits 0 once
// the echo service answered for that host, so the test can prove pods reach
// the stack's hosts by name.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Reply is what the echo service answers.
type Reply struct {
	Service string `json:"service"`
	Host    string `json:"host"`
	Path    string `json:"path"`
	Pod     string `json:"pod"`
}

func main() {
	get := flag.String("get", "", "act as the client: GET this URL until the echo service answers for its host")
	timeout := flag.Duration("timeout", 90*time.Second, "with -get: how long to retry (CoreDNS may still be restarting)")
	flag.Parse()
	if *get != "" {
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		defer cancel()
		if err := client(ctx, *get); err != nil {
			log.Fatal(err)
		}
		return
	}
	serve()
}

func serve() {
	addr := ":8080"
	if v := os.Getenv("ECHO_ADDR"); v != "" {
		addr = v
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Reply{Service: "echo", Host: r.Host, Path: r.URL.Path, Pod: os.Getenv("POD_NAME")})
	})
	log.Printf("echo listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}

// client retries until ctx ends: the rewrite reaches CoreDNS through a
// rollout, and the ingress may pick the route up a little later. Every
// attempt is logged, so the pod's log tells the test which step failed.
func client(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	var last error
	for {
		last = attempt(ctx, u)
		if last == nil {
			return nil
		}
		log.Printf("attempt failed: %v", last)
		select {
		case <-ctx.Done():
			return fmt.Errorf("giving up: %w", last)
		case <-time.After(2 * time.Second):
		}
	}
}

func attempt(ctx context.Context, u *url.URL) error {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// the pure Go resolver reads /etc/resolv.conf, as any pod's program would
	addrs, err := net.DefaultResolver.LookupHost(actx, u.Hostname())
	if err != nil {
		return fmt.Errorf("resolving %s: %w", u.Hostname(), err)
	}
	log.Printf("%s resolves to %v", u.Hostname(), addrs)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", u, resp.Status, body)
	}
	var r Reply
	if err := json.Unmarshal(body, &r); err != nil || r.Service != "echo" || r.Host != u.Host {
		return fmt.Errorf("GET %s: not the echo service's answer for %s: %s", u, u.Host, body)
	}
	log.Printf("echo pod %s answered for %s", r.Pod, u)
	return nil
}
