package helm

import (
	"context"

	"helm.sh/helm/v3/pkg/release"
)

// runHelm runs one Helm operation on a release. Helm v3 returns on
// cancellation while its goroutine keeps creating resources and writing the
// release; running it on a detached context and recording it as in flight
// lets the next Apply of the same release wait for it instead of racing it.
func (in *Installer) runHelm(ctx context.Context, ns, name string, op func() (*release.Release, error)) (*release.Release, error) {
	key := ns + "/" + name
	done := make(chan struct{})
	in.mu.Lock()
	in.inflight[key] = done
	in.mu.Unlock()
	type result struct {
		rel *release.Release
		err error
	}
	res := make(chan result, 1)
	go func() {
		defer func() {
			in.mu.Lock()
			if in.inflight[key] == done {
				delete(in.inflight, key)
			}
			in.mu.Unlock()
			close(done)
		}()
		rel, err := op()
		res <- result{rel, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-res:
		return r.rel, r.err
	}
}

// awaitInflight waits for an operation an earlier, cancelled call left
// running on the release.
func (in *Installer) awaitInflight(ctx context.Context, ns, name string) error {
	in.mu.Lock()
	done := in.inflight[ns+"/"+name]
	in.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
