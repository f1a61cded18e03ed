package registry

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// DockerCredentials returns the user's credentials for host from their
// Docker configuration (~/.docker/config.json, $DOCKER_CONFIG, credential
// helpers and stores), the ones `docker login` saved; nil when there are
// none. Identity tokens are not usable by distribution's proxy and are
// ignored: the cache then pulls anonymously.
func DockerCredentials(ctx context.Context, host string) (*Credentials, error) {
	reg, err := name.NewRegistry(host)
	if err != nil {
		return nil, fmt.Errorf("registry %q: %w", host, err)
	}
	auth, err := authn.Resolve(ctx, authn.DefaultKeychain, reg)
	if err != nil {
		return nil, fmt.Errorf("reading the Docker credentials for %s: %w", host, err)
	}
	if auth == authn.Anonymous {
		return nil, nil
	}
	cfg, err := authn.Authorization(ctx, auth)
	if err != nil {
		return nil, fmt.Errorf("reading the Docker credentials for %s: %w", host, err)
	}
	if cfg.Username == "" || cfg.Password == "" {
		return nil, nil
	}
	return &Credentials{Username: cfg.Username, Password: cfg.Password}, nil
}
