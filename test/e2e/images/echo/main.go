// Command echo is the end-to-end test's HTTP echo service: it answers every
// request with a JSON document naming the request's host and path and the
// pod that served it, so the test can prove a request crossed the resolver,
// the ingress controller and the Service to this pod.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

// Reply is what the echo service answers.
type Reply struct {
	Service string `json:"service"`
	Host    string `json:"host"`
	Path    string `json:"path"`
	Pod     string `json:"pod"`
}

func main() {
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
