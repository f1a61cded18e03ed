package helm

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/helmpath"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/paths"
	"github.com/devstack-dev/devstack/internal/stack"
)

// DefaultTimeout bounds install plus wait of a component whose catalog
// entry gives no timeout.
const DefaultTimeout = 10 * time.Minute

// Options configure an Installer. The zero value installs into the current
// context of the default kubeconfig with the user's cache directory.
type Options struct {
	// Kubeconfig is a kubeconfig path; empty means $KUBECONFIG or ~/.kube/config.
	Kubeconfig string
	// Context is the kubeconfig context; empty means its current context.
	Context string
	// CacheDir holds downloaded charts; empty means paths.CacheDir().
	CacheDir string
	// ChartFS holds the embedded local charts (profiles.FS): a component
	// whose Chart.Embedded is true names a directory inside it.
	ChartFS fs.FS
	// Sink receives progress events; nil discards them.
	Sink event.Sink
	// DefaultTimeout applies to components with no TimeoutSeconds; zero
	// means DefaultTimeout.
	DefaultTimeout time.Duration
	// PollInterval is the longest pause between readiness checks; zero
	// means one second. The first checks come sooner.
	PollInterval time.Duration
	// HTTPClient downloads charts from repositories and registries; nil
	// means http.DefaultClient.
	HTTPClient *http.Client
	// RegistryConfig is the OCI credentials file; empty means Helm's own
	// (written by `helm registry login`) when it exists.
	RegistryConfig string
	// PlainHTTPRegistry talks HTTP, not HTTPS, to OCI registries (a
	// registry on loopback).
	PlainHTTPRegistry bool
	// MaxHistory is how many revisions of a release are kept; zero means 5.
	MaxHistory int
	// Logger receives Helm's debug output; nil discards it.
	Logger *slog.Logger
	// ReadySince maps node names to when each node last started (the node
	// container's start: kind.Result.NodesStartedAt after Ensure,
	// kind.ClusterStatus.NodesStartedAt() for status). A pod on a listed
	// node counts as ready only once its kubelet has reported it ready
	// since that start, and Deployments, StatefulSets and DaemonSets count
	// as ready only through such pods: after a stopped cluster starts
	// again, the API still holds the Ready conditions written before the
	// stop until every kubelet has synced its pods. nil: every Ready
	// condition counts (a cluster that was never stopped).
	ReadySince map[string]time.Time
}

// Installer installs the components of a stack into one cluster. It is safe
// for concurrent use: the scheduler applies independent components at once.
type Installer struct {
	opts      Options
	getter    *clientGetter
	clientset kubernetes.Interface
	dynamic   dynamic.Interface
	http      *http.Client
	sink      event.Sink

	// downloads counts charts fetched from the network (tests assert that a
	// second run downloads nothing).
	downloads atomic.Int64

	// inflight holds, per namespace/release, a channel closed when a Helm
	// operation started by an earlier, cancelled call has finished: Helm v3
	// returns on cancellation while its goroutine keeps writing.
	mu       sync.Mutex
	inflight map[string]chan struct{}
}

// New returns an Installer for the cluster the options point at. It reads
// the kubeconfig but does not contact the cluster.
func New(opts Options) (*Installer, error) {
	if opts.CacheDir == "" {
		dir, err := paths.CacheDir()
		if err != nil {
			return nil, err
		}
		opts.CacheDir = dir
	}
	if opts.DefaultTimeout <= 0 {
		opts.DefaultTimeout = DefaultTimeout
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.MaxHistory <= 0 {
		opts.MaxHistory = 5
	}
	if opts.RegistryConfig == "" {
		if p := helmpath.ConfigPath("registry/config.json"); fileExists(p) {
			opts.RegistryConfig = p
		}
	}
	g, err := newClientGetter(opts.Kubeconfig, opts.Context)
	if err != nil {
		return nil, err
	}
	cs, err := kubernetes.NewForConfig(g.config)
	if err != nil {
		return nil, fmt.Errorf("creating the Kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(g.config)
	if err != nil {
		return nil, fmt.Errorf("creating the dynamic client: %w", err)
	}
	in := &Installer{opts: opts, getter: g, clientset: cs, dynamic: dyn, http: opts.HTTPClient,
		sink: opts.Sink, inflight: map[string]chan struct{}{}}
	if in.http == nil {
		in.http = http.DefaultClient
	}
	if in.sink == nil {
		in.sink = event.Discard
	}
	return in, nil
}

// Downloads reports how many charts this Installer fetched from the network.
func (in *Installer) Downloads() int64 { return in.downloads.Load() }

// actionConfig is Helm's configuration for one namespace. It is built by
// hand rather than with Configuration.Init so that all releases share one
// clientset (and its connections) and one discovery cache.
func (in *Installer) actionConfig(namespace string) *action.Configuration {
	kc := kube.New(in.getter)
	kc.Namespace = namespace
	logf := func(format string, v ...any) {
		if in.opts.Logger != nil {
			in.opts.Logger.Debug(fmt.Sprintf(format, v...), "namespace", namespace)
		}
	}
	kc.Log = logf
	d := driver.NewSecrets(in.clientset.CoreV1().Secrets(namespace))
	d.Log = logf
	store := storage.Init(d)
	store.MaxHistory = in.opts.MaxHistory
	return &action.Configuration{RESTClientGetter: in.getter, KubeClient: kc, Releases: store, Log: logf,
		HookOutputFunc: func(_, _, _ string) io.Writer { return io.Discard }}
}

func (in *Installer) timeout(c stack.Planned) time.Duration {
	if c.TimeoutSeconds > 0 {
		return time.Duration(c.TimeoutSeconds) * time.Second
	}
	return in.opts.DefaultTimeout
}

func namespaceOf(c stack.Planned) string {
	if c.Namespace != "" {
		return c.Namespace
	}
	return "default"
}

func (in *Installer) progress(c stack.Planned, msg string) {
	in.sink.Emit(event.Stamp(event.Event{Source: event.SourceComponent, Name: c.Name, State: event.Progress, Message: msg, Layer: c.Layer}))
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
