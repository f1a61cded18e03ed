package registry

import (
	"encoding/json"
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
	// Exec gives the login through a credential helper. With
	// username/password distribution asks the upstream for its token
	// service when it starts, and panics when the upstream is unreachable:
	// an offline laptop's cache would never start. The helper is asked on
	// the first pull instead.
	Exec distExec `json:"exec"`
	// TTL 0 keeps the cache forever: a laptop's cache is worth most after a
	// week away, and `devstack images prune` frees space instead.
	TTL string `json:"ttl"`
}

type distExec struct {
	Command string `json:"command"`
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

// The credential helper of a cache: a docker-credential-helpers "get"
// that prints the login devstack copied beside it (the JSON is 0600, never
// on a command line or in the container's environment).
const (
	helperFile    = "credentials"
	loginFile     = "login.json"
	helperCommand = configDir + "/" + helperFile
	helperScript  = "#!/bin/sh\n# Written by devstack: the cache's login, as a Docker credential helper's \"get\".\nexec cat " + configDir + "/" + loginFile + "\n"
)

// CacheFiles are the files of u's pull-through cache, by name in
// configDir: its configuration, the credential helper and the login
// (empty for anonymous pulls).
func CacheFiles(u Upstream, creds *Credentials) (map[string][]byte, error) {
	c := baseConfig("devstack-cache "+u.Host, false)
	c.Proxy = &distProxy{RemoteURL: u.RemoteURL, Exec: distExec{Command: helperCommand}, TTL: "0s"}
	cfg, err := encode(c)
	if err != nil {
		return nil, err
	}
	var login struct{ Username, Secret string }
	if creds != nil {
		login.Username, login.Secret = creds.Username, creds.Password
	}
	lj, err := json.Marshal(login)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{configFile: cfg, helperFile: []byte(helperScript), loginFile: lj}, nil
}

// LocalFiles are the local registry's files: its configuration, pushes
// accepted, deletes allowed (so users can remove what they pushed).
func LocalFiles() (map[string][]byte, error) {
	cfg, err := encode(baseConfig("devstack-registry", true))
	if err != nil {
		return nil, err
	}
	return map[string][]byte{configFile: cfg}, nil
}

func encode(c distConfig) ([]byte, error) {
	b, err := yaml.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encoding the registry configuration: %w", err)
	}
	return append([]byte("# Written by devstack; `devstack up` rewrites it.\n"), b...), nil
}
