package images

import "testing"

func TestParseNormalises(t *testing.T) {
	const d = "sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"
	tests := []struct {
		in                        string
		registry, repo, tag, dgst string
		str                       string
		latest, pinned            bool
	}{
		{"nginx", "docker.io", "library/nginx", "", "", "docker.io/library/nginx", true, false},
		{"nginx:1.27.3", "docker.io", "library/nginx", "1.27.3", "", "docker.io/library/nginx:1.27.3", false, true},
		{"docker.io/library/nginx:latest", "docker.io", "library/nginx", "latest", "", "docker.io/library/nginx:latest", true, false},
		{"bitnami/redis:7.4.1", "docker.io", "bitnami/redis", "7.4.1", "", "docker.io/bitnami/redis:7.4.1", false, true},
		{"ghcr.io/cloudnative-pg/postgresql:16", "ghcr.io", "cloudnative-pg/postgresql", "16", "", "ghcr.io/cloudnative-pg/postgresql:16", false, false},
		{"ghcr.io/cloudnative-pg/postgresql:17-standard-trixie", "ghcr.io", "cloudnative-pg/postgresql", "17-standard-trixie", "", "ghcr.io/cloudnative-pg/postgresql:17-standard-trixie", false, false},
		{"ghcr.io/cloudnative-pg/postgresql:17.5-standard-trixie", "ghcr.io", "cloudnative-pg/postgresql", "17.5-standard-trixie", "", "ghcr.io/cloudnative-pg/postgresql:17.5-standard-trixie", false, true},
		{"localhost:5001/myapp:v0.1.0", "localhost:5001", "myapp", "v0.1.0", "", "localhost:5001/myapp:v0.1.0", false, true},
		{"quay.io/prometheus/prometheus:v3.7.3", "quay.io", "prometheus/prometheus", "v3.7.3", "", "quay.io/prometheus/prometheus:v3.7.3", false, true},
		{"registry.k8s.io/pause@" + d, "registry.k8s.io", "pause", "", d, "registry.k8s.io/pause@" + d, false, true},
		{"kindest/node:v1.37.0@" + d, "docker.io", "kindest/node", "v1.37.0", d, "docker.io/kindest/node:v1.37.0@" + d, false, true},
		{"grafana/grafana:latest@" + d, "docker.io", "grafana/grafana", "latest", d, "docker.io/grafana/grafana:latest@" + d, true, true},
		{"traefik:stable", "docker.io", "library/traefik", "stable", "", "docker.io/library/traefik:stable", false, false},
		{"devstack-e2e/echo:e2e", "docker.io", "devstack-e2e/echo", "e2e", "", "docker.io/devstack-e2e/echo:e2e", false, false},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in)
		if err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if r.Registry != tt.registry || r.Repository != tt.repo || r.Tag != tt.tag || r.Digest != tt.dgst {
			t.Errorf("%s: got %+v", tt.in, r)
		}
		if r.String() != tt.str {
			t.Errorf("%s: String() %q, want %q", tt.in, r.String(), tt.str)
		}
		if r.Latest() != tt.latest || r.Pinned() != tt.pinned {
			t.Errorf("%s: latest %v pinned %v, want %v %v", tt.in, r.Latest(), r.Pinned(), tt.latest, tt.pinned)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "Nginx:1.0", "nginx:", "repo/:1.0", "nginx@sha256:abc", "a b:1"} {
		if r, err := Parse(in); err == nil {
			t.Errorf("%q parsed as %+v", in, r)
		}
	}
}
