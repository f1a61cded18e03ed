//go:build unix

package dns

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestDaemonConcurrentStartAndQuery starts the resolver a hundred times,
// each time from three callers at once while a fourth reads its status and
// queries it in a tight loop, as `devstack status` does beside a starting
// `devstack up`. Every start must succeed and all callers must get the one
// resolver: neither the liveness check nor a rival start may make it exit
// "already running".
func TestDaemonConcurrentStartAndQuery(t *testing.T) {
	rounds := 100
	if testing.Short() {
		rounds = 10
	}
	dir := t.TempDir()
	cfg := Config{Addr: "127.0.0.1:0", Domains: []string{"test"}}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	t.Cleanup(func() { _ = Stop(context.Background(), dir) })

	const starters = 3
	for round := range rounds {
		stop := make(chan struct{})
		polled := make(chan int)
		go func() {
			n := 0
			defer func() { polled <- n }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if st := ReadStatus(dir); st.Running && st.Addr != "" {
					_ = Probe(ctx, st.Addr, "test")
				}
				n++
			}
		}()
		var wg sync.WaitGroup
		got := make([]Status, starters)
		errs := make([]error, starters)
		for i := range starters {
			wg.Go(func() { got[i], errs[i] = EnsureRunning(ctx, dir, cfg) })
		}
		wg.Wait()
		close(stop)
		if n := <-polled; n == 0 {
			t.Fatalf("round %d: the status was never read while starting", round)
		}
		for i := range starters {
			if errs[i] != nil {
				t.Fatalf("round %d: start %d failed: %v", round, i, errs[i])
			}
			if got[i].PID != got[0].PID || got[i].PID == 0 {
				t.Fatalf("round %d: starts got pids %d and %d, want one resolver", round, got[0].PID, got[i].PID)
			}
		}
		if err := Probe(ctx, got[0].Addr, "test"); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if err := Stop(ctx, dir); err != nil {
			t.Fatalf("round %d: stop: %v", round, err)
		}
	}
}
