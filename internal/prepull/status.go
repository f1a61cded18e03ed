package prepull

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Pending says what of component's images is still being pulled, "" when
// nothing is: "pulling ghcr.io/x/y:1: 310/820 MB".
func (w *Warmer) Pending(component string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var parts []string
	for _, st := range w.sorted() {
		if !st.uses(component) || st.complete() {
			continue
		}
		if !st.resolved {
			parts = append(parts, "resolving "+st.Ref)
			continue
		}
		d, t := st.bytes()
		parts = append(parts, fmt.Sprintf("pulling %s: %s/%s", st.Ref, mbNumber(d), MB(t)))
	}
	return strings.Join(parts, "; ")
}

// Failure returns why one of component's images could not be pulled, nil
// when none failed (or none is known).
func (w *Warmer) Failure(ctx context.Context, component string) error {
	w.mu.Lock()
	var failed *imageState
	for _, st := range w.sorted() {
		if st.uses(component) && st.complete() && st.failure() != nil {
			failed = st
			break
		}
	}
	w.mu.Unlock()
	if failed == nil {
		return nil
	}
	return w.diagnose(ctx, failed)
}

func (w *Warmer) diagnose(ctx context.Context, st *imageState) error {
	w.mu.Lock()
	cause := st.failure()
	w.mu.Unlock()
	if err := w.opts.Diagnose(ctx, st.Ref, w.opts.Insecure); err != nil {
		return &PullError{Image: st.Ref, Err: err}
	}
	return &PullError{Image: st.Ref, Err: fmt.Errorf("the cache answered: %w", cause)}
}

func (st *imageState) uses(component string) bool {
	for _, c := range st.Components {
		if c == component {
			return true
		}
	}
	return false
}

// sorted returns the images by reference. The caller holds w.mu.
func (w *Warmer) sorted() []*imageState {
	out := make([]*imageState, 0, len(w.images))
	for _, st := range w.images {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Ref < out[j].Ref })
	return out
}

// PullError says which image could not be pulled and what its registry
// answered.
type PullError struct {
	Image string
	Err   error
}

func (e *PullError) Error() string { return fmt.Sprintf("image %s: %v", e.Image, e.Err) }
func (e *PullError) Unwrap() error { return e.Err }
