package registry

import (
	"fmt"

	"sigs.k8s.io/yaml"
)

// configPath is where the distribution image reads its configuration
// (the official registry:3 image and the e2e lane's image alike).
const (
	configDir  = "/etc/distribution"
	configFile = "config.yml"
	// storageDir is the volume's mount point, the image's default storage.
	storageDir = "/var/lib/registry"
)

// Credentials log a cache in to its upstream (proxy.username/password).
type Credentials struct {
	Username string
	Password string
}

// distConfig is the part of distribution's configuration devstack writes.
type distConfig struct {
	Version string         `json:"version"`
	Log     distLog        `json:"log"`
	Storage map[string]any `json:"storage"`
	HTTP    distHTTP       `json:"http"`
	Proxy   *distProxy     `json:"proxy,omitempty"`
	Health  map[string]any `json:"health"`
}

type distLog struct {
	Level  string            `json:"level"`
	Fields map[string]string `json:"fields"`
}

type distHTTP struct {
	Addr    string              `json:"addr"`
	Headers map[string][]string `json:"headers"`
}

type distProxy struct {
	RemoteURL string `json:"remoteurl"`
	Username  string `json:"username,omitempty"`
	Password  string `json:"password,omitempty"`
	// TTL 0 keeps the cache forever: a laptop's cache is worth most after a
	// week away, and `devstack images prune` frees space instead.
	TTL string `json:"ttl"`
}

func baseConfig(service string, deletes bool) distConfig {
	storage := map[string]any{
		"filesystem": map[string]any{"rootdirectory": storageDir},
		"cache":      map[string]any{"blobdescriptor": "inmemory"},
	}
	if deletes {
		storage["delete"] = map[string]any{"enabled": true}
	}
	return distConfig{
		Version: "0.1",
		// info level logs one line per request: the access log the e2e lane
		// counts upstream blob fetches from, and what `docker logs` shows.
		Log:     distLog{Level: "info", Fields: map[string]string{"service": service}},
		Storage: storage,
		HTTP:    distHTTP{Addr: fmt.Sprintf(":%d", containerPort), Headers: map[string][]string{"X-Content-Type-Options": {"nosniff"}}},
		Health: map[string]any{"storagedriver": map[string]any{
			"enabled": true, "interval": "10s", "threshold": 3,
		}},
	}
}

// CacheConfig is the configuration of u's pull-through cache.
func CacheConfig(u Upstream, creds *Credentials) ([]byte, error) {
	c := baseConfig("devstack-cache "+u.Host, false)
	c.Proxy = &distProxy{RemoteURL: u.RemoteURL, TTL: "0s"}
	if creds != nil {
		c.Proxy.Username, c.Proxy.Password = creds.Username, creds.Password
	}
	return encode(c)
}

// LocalConfig is the local registry's configuration: pushes accepted,
// deletes allowed (so `docker` users can remove what they pushed).
func LocalConfig() ([]byte, error) {
	return encode(baseConfig("devstack-registry", true))
}

func encode(c distConfig) ([]byte, error) {
	b, err := yaml.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encoding the registry configuration: %w", err)
	}
	return append([]byte("# Written by devstack; `devstack up` rewrites it.\n"), b...), nil
}
