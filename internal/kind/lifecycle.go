package kind

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
)

// ErrNoCluster is returned by Stop for a cluster that does not exist.
var ErrNoCluster = errors.New("no such cluster")

// State is a cluster's state as `devstack status` shows it.
type State string

// The states of a cluster.
const (
	StateAbsent  State = "absent"
	StateRunning State = "running"
	StateStopped State = "stopped"
	// StatePartial: some node containers run, others do not.
	StatePartial State = "partial"
	// StateUnknown: the container engine could not be asked.
	StateUnknown State = "unknown"
)

// ClusterStatus is what exists of a cluster.
type ClusterStatus struct {
	Name              string      `json:"name"`
	State             State       `json:"state"`
	Engine            string      `json:"engine"`
	NodeImage         string      `json:"nodeImage,omitempty"`
	KubernetesVersion string      `json:"kubernetesVersion,omitempty"`
	Context           string      `json:"context"`
	Nodes             []Container `json:"nodes,omitempty"`
	// Message explains StateUnknown (the engine's own words).
	Message string `json:"message,omitempty"`
}

// NodesStartedAt maps each running node to when its container last
// started, for helm.Options.ReadySince.
func (s ClusterStatus) NodesStartedAt() map[string]time.Time {
	out := map[string]time.Time{}
	for _, n := range s.Nodes {
		if n.Running && !n.StartedAt.IsZero() {
			out[n.Name] = n.StartedAt
		}
	}
	return out
}

// Status reports the cluster's state. An unreachable engine is not an
// error: the status says StateUnknown and why.
func (m *Manager) Status(ctx context.Context, name string) (ClusterStatus, error) {
	st := ClusterStatus{Name: name, Engine: m.engineName, Context: ContextFor(name)}
	obs, err := m.observe(ctx, m.newProvider(newStepLogger(event.Discard, name)), name)
	var unreachable *UnreachableError
	switch {
	case errors.As(err, &unreachable):
		st.State, st.Message = StateUnknown, unreachable.Error()
		return st, nil
	case err != nil:
		return st, err
	}
	st.Nodes = obs.Nodes
	stopped := len(obs.Stopped())
	switch {
	case len(obs.Nodes) == 0:
		st.State = StateAbsent
	case stopped == 0:
		st.State = StateRunning
	case stopped == len(obs.Nodes):
		st.State = StateStopped
	default:
		st.State = StatePartial
	}
	for _, n := range obs.Nodes {
		if n.Role == "control-plane" {
			st.NodeImage = n.Image
			st.KubernetesVersion = VersionOfImage(n.Image)
			break
		}
	}
	return st, nil
}

// Stop stops the cluster's node containers and keeps their state; the
// next Ensure starts them again. It returns ErrNoCluster when there is none.
func (m *Manager) Stop(ctx context.Context, name string) error {
	started := time.Now()
	obs, err := m.observe(ctx, m.newProvider(newStepLogger(m.sink, name)), name)
	if err != nil {
		return err
	}
	if len(obs.Nodes) == 0 {
		return fmt.Errorf("cluster %q: %w", name, ErrNoCluster)
	}
	var running []string
	for _, n := range obs.Nodes {
		if n.Running {
			running = append(running, n.Name)
		}
	}
	if len(running) == 0 {
		m.emit(name, event.Skipped, "already stopped", 0)
		return nil
	}
	m.emit(name, event.Running, fmt.Sprintf("stopping %d node container(s)", len(running)), 0)
	if err := m.engine.Stop(ctx, running...); err != nil {
		return m.fail(name, err, started)
	}
	m.emit(name, event.Succeeded, "stopped; `devstack up` starts it again", time.Since(started))
	return nil
}

// Delete deletes the cluster's node containers, removes its context from
// the user's kubeconfig and forgets its record. It returns what it removed,
// for `devstack reset` to list; an absent cluster removes no containers.
func (m *Manager) Delete(ctx context.Context, name string) ([]string, error) {
	started := time.Now()
	p := m.newProvider(newStepLogger(m.sink, name))
	obs, err := m.observe(ctx, p, name)
	if err != nil {
		return nil, err
	}
	hadContext := hasContext(m.kubeconfig, ContextFor(name))
	m.emit(name, event.Running, "deleting", 0)
	if err := m.deleteCluster(ctx, p, name); err != nil {
		return nil, m.fail(name, err, started)
	}
	var removed []string
	if len(obs.Nodes) > 0 {
		removed = append(removed, fmt.Sprintf("kind cluster %q (%d node container(s) on %s)", name, len(obs.Nodes), m.engineName))
	}
	if hadContext {
		removed = append(removed, fmt.Sprintf("kubeconfig context %q in %s", ContextFor(name), m.kubeconfig))
	}
	m.emit(name, event.Succeeded, "deleted", time.Since(started))
	return removed, nil
}

// Recorded returns the names of the clusters devstack created or adopted
// and has not deleted, for `reset` to find them all.
func (m *Manager) Recorded() ([]string, error) { return m.store.names() }
