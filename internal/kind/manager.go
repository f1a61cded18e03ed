package kind

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/paths"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	kindlog "sigs.k8s.io/kind/pkg/log"
)

// provider is the part of kind's *cluster.Provider the Manager uses.
type provider interface {
	Create(name string, options ...cluster.CreateOption) error
	Delete(name, explicitKubeconfigPath string) error
	ListNodes(name string) ([]nodes.Node, error)
	KubeConfig(name string, internal bool) (string, error)
	ExportKubeConfig(name, explicitPath string, internal bool) error
}

// engine is what the Manager needs of the container engine beyond kind.
type engine interface {
	Inspect(ctx context.Context, names ...string) ([]Container, error)
	Start(ctx context.Context, names ...string) error
	Stop(ctx context.Context, names ...string) error
}

// ReadyTimeout bounds the wait for the control plane after creating or
// starting a cluster.
const ReadyTimeout = 3 * time.Minute

// Options configure a Manager. Zero values are the defaults.
type Options struct {
	// Engine runs the nodes; zero: DetectEngine().
	Engine Engine
	// StateDir keeps the applied spec and a private kubeconfig copy;
	// zero: paths.StateDir().
	StateDir string
	// Kubeconfig is the file the kind-<name> context is exported to;
	// zero: the user's, as kubectl picks it (KUBECONFIG, else ~/.kube/config).
	Kubeconfig string
}

// Manager creates, reuses, starts, stops and deletes devstack's clusters.
type Manager struct {
	engine      engine
	engineName  string
	newProvider func(kindlog.Logger) provider
	store       store
	kubeconfig  string
	sink        event.Sink
	// waitReady waits until the API server answers and every node is
	// Ready; replaced in tests.
	waitReady func(ctx context.Context, kubeconfig func() ([]byte, error)) error
}

// New returns a Manager that reports to sink.
func New(opts Options, sink event.Sink) (*Manager, error) {
	if opts.Engine.Name == "" {
		opts.Engine = DetectEngine()
	}
	if opts.StateDir == "" {
		dir, err := paths.StateDir()
		if err != nil {
			return nil, err
		}
		opts.StateDir = dir
	}
	if opts.Kubeconfig == "" {
		p, err := UserKubeconfig()
		if err != nil {
			return nil, err
		}
		opts.Kubeconfig = p
	}
	if sink == nil {
		sink = event.Discard
	}
	eng := opts.Engine
	return &Manager{
		engine:     eng,
		engineName: eng.Display(),
		newProvider: func(l kindlog.Logger) provider {
			return cluster.NewProvider(cluster.ProviderWithLogger(l), eng.providerOption())
		},
		store:      store{dir: opts.StateDir},
		kubeconfig: opts.Kubeconfig,
		sink:       sink,
		waitReady: func(ctx context.Context, kc func() ([]byte, error)) error {
			return waitReady(ctx, kc, ReadyTimeout)
		},
	}, nil
}

// Result says what Ensure did.
type Result struct {
	Action  Action   `json:"action"`
	Changes []Change `json:"changes,omitempty"`
	// Context is the kubeconfig context, "kind-<name>".
	Context string `json:"context"`
	// Kubeconfig is devstack's private copy of the cluster's kubeconfig
	// (mode 0600), for the installer.
	Kubeconfig string `json:"kubeconfig"`
	// UserKubeconfig is the file the context was exported to.
	UserKubeconfig string `json:"userKubeconfig"`
	// StartedAt is when Ensure started the nodes of a stopped cluster;
	// zero when it created the cluster or found it running.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// NodesStartedAt maps each node of a cluster Ensure started or reused
	// to when its container last started (StartedAt for those it started),
	// for helm.Options.ReadySince: pod statuses written before are stale.
	// nil for a cluster Ensure created.
	NodesStartedAt map[string]time.Time `json:"nodesStartedAt,omitempty"`
}

// Ensure makes the cluster match want: it creates it when absent, reuses
// it when it matches, starts its stopped nodes, applies registry mirrors in
// place, and with recreate deletes and creates it again. When the cluster
// differs in a way that needs a new one and recreate is false, it changes
// nothing and returns a *SpecChangedError listing the differences.
func (m *Manager) Ensure(ctx context.Context, want Spec, recreate bool) (Result, error) {
	if err := want.Validate(); err != nil {
		return Result{}, err
	}
	logger := newStepLogger(m.sink, want.Name)
	defer logger.close()
	p := m.newProvider(logger)
	res := Result{Context: want.Context(), Kubeconfig: m.store.kubeconfigPath(want.Name), UserKubeconfig: m.kubeconfig}

	started := time.Now()
	m.emit(want.Name, event.Running, "checking the cluster on "+m.engineName, 0)
	obs, err := m.observe(ctx, p, want.Name)
	if err != nil {
		return res, m.fail(want.Name, err, started)
	}
	rec, err := m.store.load(want.Name)
	if err != nil {
		return res, m.fail(want.Name, err, started)
	}
	d := Decide(want, rec, obs, recreate)
	res.Action, res.Changes = d.Action, d.Changes

	switch d.Action {
	case ActionRefuse:
		err := &SpecChangedError{Name: want.Name, Changes: d.Changes}
		m.emit(want.Name, event.Failed, err.Error(), time.Since(started))
		return res, err
	case ActionCleanup, ActionRecreate:
		why := "deleting it to create it again"
		if d.Action == ActionCleanup {
			why = "removing the cluster devstack left unfinished when its last creation was interrupted"
		} else if len(d.Changes) > 0 {
			why += " (" + describeChanges(d.Changes) + ")"
		}
		m.emit(want.Name, event.Progress, why, 0)
		if err := m.deleteCluster(ctx, p, want.Name); err != nil {
			return res, m.fail(want.Name, err, started)
		}
		fallthrough
	case ActionCreate:
		if err := m.create(ctx, p, logger, want); err != nil {
			return res, m.fail(want.Name, err, started)
		}
		if err := applyMirrorsOf(p, want.Name, nil, want.RegistryMirrors); err != nil {
			return res, m.fail(want.Name, err, started)
		}
	case ActionStart:
		stopped := obs.Stopped()
		m.emit(want.Name, event.Progress, fmt.Sprintf("starting %d stopped node(s): %s", len(stopped), strings.Join(stopped, ", ")), 0)
		res.StartedAt = time.Now()
		if err := m.engine.Start(ctx, stopped...); err != nil {
			return res, m.fail(want.Name, err, started)
		}
		fallthrough
	case ActionReuse:
		res.NodesStartedAt = nodesStartedAt(obs, res.StartedAt)
		if err := m.waitReady(ctx, func() ([]byte, error) { return kubeconfigOf(p, want.Name) }); err != nil {
			return res, m.fail(want.Name, err, started)
		}
		if len(d.InPlace()) > 0 {
			m.emit(want.Name, event.Progress, "applying "+describeChanges(d.InPlace()), 0)
			var previous map[string][]string
			if rec != nil {
				previous = rec.Spec.RegistryMirrors
			}
			if err := applyMirrorsOf(p, want.Name, previous, want.RegistryMirrors); err != nil {
				return res, m.fail(want.Name, err, started)
			}
		}
	}

	if err := m.store.save(Record{Spec: want, Phase: PhaseReady, Engine: m.engineName}); err != nil {
		return res, m.fail(want.Name, err, started)
	}
	if err := m.exportKubeconfig(p, want.Name); err != nil {
		return res, m.fail(want.Name, err, started)
	}
	state, msg := event.Succeeded, resultMessage(d, want)
	if d.Action == ActionReuse && len(d.InPlace()) == 0 {
		state = event.Skipped
	}
	m.emit(want.Name, state, msg, time.Since(started))
	return res, nil
}

// nodesStartedAt is when each node's container last started: at for the
// stopped ones that were just started.
func nodesStartedAt(obs Observed, at time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	for _, n := range obs.Nodes {
		switch {
		case !n.Running && !at.IsZero():
			out[n.Name] = at
		case n.Running && !n.StartedAt.IsZero():
			out[n.Name] = n.StartedAt
		}
	}
	return out
}

func (m *Manager) emit(name string, state event.State, msg string, elapsed time.Duration) {
	m.sink.Emit(event.Stamp(event.Event{Source: event.SourceCluster, Name: name, State: state, Message: msg, Elapsed: elapsed}))
}

func (m *Manager) fail(name string, err error, started time.Time) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		m.emit(name, event.Cancelled, err.Error(), time.Since(started))
		return err
	}
	m.emit(name, event.Failed, err.Error(), time.Since(started))
	return err
}

func resultMessage(d Decision, want Spec) string {
	switch d.Action {
	case ActionCreate, ActionCleanup:
		return fmt.Sprintf("created (Kubernetes %s, %d worker(s))", orUnknown(want.KubernetesVersion), want.Workers)
	case ActionRecreate:
		return fmt.Sprintf("recreated (Kubernetes %s, %d worker(s))", orUnknown(want.KubernetesVersion), want.Workers)
	case ActionStart:
		return "started again"
	}
	if len(d.InPlace()) > 0 {
		return "reused; applied " + describeChanges(d.InPlace())
	}
	return "reused, unchanged"
}

func describeChanges(cs []Change) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}

func orUnknown(s string) string {
	if s == "" {
		return "(custom image)"
	}
	return s
}
