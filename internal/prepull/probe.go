package prepull

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Probe asks ref's registry directly for its manifest, with the user's
// Docker credentials, and returns the registry's refusal in its own words
// (nil when it serves the manifest).
func Probe(ctx context.Context, ref string, insecure []string) error {
	var opts []name.Option
	host, _, _ := strings.Cut(ref, "/")
	for _, h := range insecure {
		if h == host {
			opts = append(opts, name.Insecure)
		}
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return err
	}
	_, err = remote.Head(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	return Explain(host, err)
}

// Explain turns a registry's refusal into what it means for the user; other
// errors are returned as they are.
func Explain(host string, err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	answer := fmt.Sprintf("%s answered %d %s", host, te.StatusCode, http.StatusText(te.StatusCode))
	if len(te.Errors) > 0 {
		d := te.Errors[0]
		answer += fmt.Sprintf(" (%s: %s)", d.Code, d.Message)
	}
	switch te.StatusCode {
	case http.StatusTooManyRequests:
		if host == "docker.io" {
			return fmt.Errorf("%s: Docker Hub allows 100 anonymous pulls per 6 hours per IP address; run `docker login` (devstack gives your login to its docker.io cache, and logged-in pulls have a higher limit), or wait and run `devstack up` again", answer)
		}
		return fmt.Errorf("%s: the registry limits pulls; log in with `docker login %s` or wait, then run `devstack up` again", answer, host)
	case http.StatusUnauthorized, http.StatusForbidden:
		return fmt.Errorf("%s: the image needs a login; run `docker login %s` (devstack gives it to its cache), then `devstack up` again", answer, host)
	case http.StatusNotFound:
		return fmt.Errorf("%s: the image or its tag does not exist; check the reference in the profile or chart values", answer)
	}
	return errors.New(answer)
}
