package kind

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/devstack-dev/devstack/internal/event"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	kindexec "sigs.k8s.io/kind/pkg/exec"
)

// create runs kind's Create, which takes no context, in a goroutine. If ctx
// ends first, Ensure returns and the record still says "creating", so the
// next run removes what the interrupted creation left.
func (m *Manager) create(ctx context.Context, p provider, logger *stepLogger, want Spec) error {
	if err := m.store.save(Record{Spec: want, Phase: PhaseCreating, Engine: m.engineName}); err != nil {
		return err
	}
	m.emit(want.Name, event.Progress, fmt.Sprintf("creating on %s: %s, %d worker(s)", m.engineName, want.NodeImage, want.Workers), 0)
	done := make(chan error, 1)
	go func() {
		done <- p.Create(want.Name,
			cluster.CreateWithV1Alpha4Config(Config(want)),
			cluster.CreateWithWaitForReady(ReadyTimeout),
			cluster.CreateWithKubeconfigPath(m.kubeconfig),
			cluster.CreateWithDisplayUsage(false),
			cluster.CreateWithDisplaySalutation(false),
		)
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("creating cluster %q: %w", want.Name, err)
		}
		return nil
	case <-ctx.Done():
		logger.close()
		return fmt.Errorf("creation of %q interrupted, the next `devstack up` removes the unfinished cluster: %w", want.Name, ctx.Err())
	}
}

// deleteCluster deletes the node containers and the kubeconfig context.
func (m *Manager) deleteCluster(ctx context.Context, p provider, name string) error {
	err := runCtx(ctx, func() error { return p.Delete(name, m.kubeconfig) })
	if err != nil {
		return fmt.Errorf("deleting cluster %q: %w", name, err)
	}
	return m.store.remove(name)
}

// observe lists the cluster's node containers and inspects them.
func (m *Manager) observe(ctx context.Context, p provider, name string) (Observed, error) {
	var ns []nodes.Node
	err := runCtx(ctx, func() (err error) { ns, err = p.ListNodes(name); return err })
	if err != nil {
		detail := err.Error()
		var run *kindexec.RunError
		if errors.As(err, &run) && len(bytes.TrimSpace(run.Output)) > 0 {
			detail = string(bytes.TrimSpace(run.Output)) // the client's own words
		}
		return Observed{}, &UnreachableError{Engine: m.engineName, Detail: detail, Err: err}
	}
	names := make([]string, len(ns))
	for i, n := range ns {
		names[i] = n.String()
	}
	cs, err := m.engine.Inspect(ctx, names...)
	if err != nil {
		return Observed{}, err
	}
	return Observed{Nodes: cs}, nil
}

func applyMirrorsOf(p provider, name string, previous, wanted map[string][]string) error {
	if len(previous) == 0 && len(wanted) == 0 {
		return nil
	}
	ns, err := p.ListNodes(name)
	if err != nil {
		return fmt.Errorf("listing the nodes of %q: %w", name, err)
	}
	return applyMirrors(ns, previous, wanted)
}

// runCtx runs f, which cannot be cancelled, and returns early when ctx ends.
func runCtx(ctx context.Context, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
