package kind

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Container is one node container as the container engine shows it.
type Container struct {
	Name    string `json:"name"`
	Role    string `json:"role"`
	Image   string `json:"image"`
	Running bool   `json:"running"`
	// Status is the engine's word for the state: running, exited, created...
	Status string `json:"status"`
	// StartedAt is when the container last started (zero: never). Its
	// kubelet started after it, so pod statuses written before it are
	// from before the node's last start.
	StartedAt time.Time `json:"startedAt,omitzero"`
	// Ports maps published container TCP ports to host ports.
	Ports map[int]int `json:"ports,omitempty"`
}

// Observed is what exists of a cluster: its node containers, none when the
// cluster is absent.
type Observed struct {
	Nodes []Container
}

// Stopped returns the names of the node containers that are not running.
func (o Observed) Stopped() []string {
	var names []string
	for _, n := range o.Nodes {
		if !n.Running {
			names = append(names, n.Name)
		}
	}
	return names
}

func (o Observed) byRole(role string) []Container {
	var cs []Container
	for _, n := range o.Nodes {
		if n.Role == role {
			cs = append(cs, n)
		}
	}
	return cs
}

// Phases of a Record.
const (
	// PhaseCreating is stored before kind starts creating: if it is still
	// there on the next run, that creation never finished.
	PhaseCreating = "creating"
	// PhaseReady is stored once the cluster was created or converged.
	PhaseReady = "ready"
)

// Record is what devstack stores about a cluster it applied.
type Record struct {
	Spec  Spec   `json:"spec"`
	Phase string `json:"phase"`
	// Engine is the container engine the cluster runs on.
	Engine string `json:"engine,omitempty"`
}

// Action is what Ensure does about a cluster.
type Action string

// The actions, in the words events and results use.
const (
	ActionCreate   Action = "create"
	ActionReuse    Action = "reuse"
	ActionStart    Action = "start"
	ActionRecreate Action = "recreate"
	// ActionCleanup deletes what an interrupted creation left, then creates.
	ActionCleanup Action = "cleanup"
	// ActionRefuse leaves the cluster alone: it differs in ways that need
	// a new cluster, and nobody asked for one.
	ActionRefuse Action = "refuse"
)

// Change is one difference between the cluster and the wanted spec.
type Change struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
	// InPlace is true when devstack applies the change to the running
	// cluster (registry mirrors); every other change needs a new cluster.
	InPlace bool `json:"inPlace,omitempty"`
}

func (c Change) String() string { return fmt.Sprintf("%s: %s -> %s", c.Field, c.From, c.To) }

// Decision is the outcome of comparing a cluster with the wanted spec.
type Decision struct {
	Action  Action
	Changes []Change
}

// InPlace returns the changes devstack applies without a new cluster.
func (d Decision) InPlace() []Change {
	var cs []Change
	for _, c := range d.Changes {
		if c.InPlace {
			cs = append(cs, c)
		}
	}
	return cs
}

// Decide compares the wanted spec with the stored record (nil when devstack
// has none) and the observed containers, and says what to do. It never
// chooses to delete a working cluster unless recreate is set; the only
// deletion it decides on its own is of devstack's own unfinished creation.
func Decide(want Spec, rec *Record, obs Observed, recreate bool) Decision {
	if len(obs.Nodes) == 0 {
		return Decision{Action: ActionCreate}
	}
	if rec != nil && rec.Phase == PhaseCreating {
		return Decision{Action: ActionCleanup}
	}
	changes := diff(want, rec, obs)
	switch {
	case recreate:
		return Decision{Action: ActionRecreate, Changes: changes}
	case needsNewCluster(changes):
		return Decision{Action: ActionRefuse, Changes: changes}
	case len(obs.Stopped()) > 0:
		return Decision{Action: ActionStart, Changes: changes}
	default:
		return Decision{Action: ActionReuse, Changes: changes}
	}
}

func needsNewCluster(cs []Change) bool {
	for _, c := range cs {
		if !c.InPlace {
			return true
		}
	}
	return false
}

// diff lists what differs, in a stable order. The containers are the truth
// for what they show; the record adds what they do not (mirrors).
func diff(want Spec, rec *Record, obs Observed) []Change {
	var cs []Change
	cps := obs.byRole("control-plane")
	if len(cps) != 1 {
		cs = append(cs, Change{Field: "control-plane nodes", From: strconv.Itoa(len(cps)), To: "1"})
	}
	for _, n := range obs.Nodes {
		if n.Role == "external-load-balancer" || n.Image == want.NodeImage {
			continue
		}
		if from, to := VersionOfImage(n.Image), want.KubernetesVersion; from != to && from != "" && to != "" {
			cs = append(cs, Change{Field: "Kubernetes version", From: from, To: to})
		} else {
			cs = append(cs, Change{Field: "node image", From: n.Image, To: want.NodeImage})
		}
		break
	}
	if w := len(obs.byRole("worker")); w != want.Workers {
		cs = append(cs, Change{Field: "workers", From: strconv.Itoa(w), To: strconv.Itoa(want.Workers)})
	}
	if len(cps) > 0 {
		cs = append(cs, portChange("HTTP port", cps[0].Ports[IngressNodePortHTTP], want.HTTPPort)...)
		cs = append(cs, portChange("HTTPS port", cps[0].Ports[IngressNodePortHTTPS], want.HTTPSPort)...)
	}
	switch {
	case rec == nil && len(want.RegistryMirrors) > 0:
		cs = append(cs, Change{Field: "registry mirrors", From: "unknown", To: describeMirrors(want.RegistryMirrors), InPlace: true})
	case rec != nil && !mirrorsEqual(rec.Spec.RegistryMirrors, want.RegistryMirrors):
		cs = append(cs, Change{Field: "registry mirrors", From: describeMirrors(rec.Spec.RegistryMirrors), To: describeMirrors(want.RegistryMirrors), InPlace: true})
	}
	return cs
}

func portChange(field string, have, want int) []Change {
	if have == want {
		return nil
	}
	from := "not published"
	if have != 0 {
		from = strconv.Itoa(have)
	}
	return []Change{{Field: field, From: from, To: strconv.Itoa(want)}}
}

func describeMirrors(m map[string][]string) string {
	if len(m) == 0 {
		return "none"
	}
	hosts := make([]string, 0, len(m))
	for h, eps := range m {
		hosts = append(hosts, h+"="+strings.Join(eps, ","))
	}
	sort.Strings(hosts)
	return strings.Join(hosts, " ")
}

// SpecChangedError says that the cluster differs from the wanted one in
// ways kind cannot apply in place, and how to get the new one.
type SpecChangedError struct {
	Name    string
	Changes []Change
}

func (e *SpecChangedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "cluster %q differs from the wanted one in ways that need a new cluster:", e.Name)
	for _, c := range e.Changes {
		if !c.InPlace {
			fmt.Fprintf(&b, "\n  - %s", c)
		}
	}
	b.WriteString("\nrun `devstack up --recreate` to replace it, or `devstack reset` to start over; both delete the cluster and its data")
	return b.String()
}
