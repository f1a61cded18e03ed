package event

import (
	"sync"
	"time"
)

// Source says which part of devstack an event comes from.
type Source string

// The sources of events.
const (
	SourceDoctor    Source = "doctor"
	SourceCluster   Source = "cluster"
	SourceDNS       Source = "dns"
	SourceTLS       Source = "tls"
	SourceComponent Source = "component"
	SourceRun       Source = "run"
	// SourceImages: the registries and the warming of their caches.
	SourceImages Source = "images"
)

// State is the state a unit of work moved to.
type State string

// The states of a unit of work. Pending, Waiting, Running, Succeeded,
// Failed, Blocked and Cancelled are the states of the graph engine; Progress
// marks a message from running work without a change of state; Skipped marks
// work that was done already (an unchanged release).
const (
	Pending   State = "pending"
	Waiting   State = "waiting"
	Running   State = "running"
	Progress  State = "progress"
	Succeeded State = "succeeded"
	Skipped   State = "skipped"
	Failed    State = "failed"
	Blocked   State = "blocked"
	Cancelled State = "cancelled"
	Warning   State = "warning"
)

// Terminal reports whether no further state follows s for the same unit.
func (s State) Terminal() bool {
	switch s {
	case Succeeded, Skipped, Failed, Blocked, Cancelled:
		return true
	}
	return false
}

// Event is one change of state, or one progress message, of a unit of work.
type Event struct {
	Time   time.Time `json:"time"`
	Source Source    `json:"source"`
	// Name is the component, cluster step, check or resolver the event is about.
	Name  string `json:"name"`
	State State  `json:"state"`
	// Message is for people: what a unit waits for, what it is doing, why it failed.
	Message string `json:"message,omitempty"`
	// Layer is the component's layer (length of its longest dependency chain).
	Layer int `json:"layer,omitempty"`
	// WaitingOn lists the dependencies a waiting component still waits for;
	// BlockedBy names the failed dependency of a blocked one.
	WaitingOn []string `json:"waitingOn,omitempty"`
	BlockedBy string   `json:"blockedBy,omitempty"`
	// Elapsed is the time since the unit started running, set on terminal states.
	Elapsed time.Duration `json:"elapsed,omitempty"`
}

// Sink receives events. Implementations must be safe for concurrent use:
// the graph engine emits from many goroutines.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f(e).
func (f SinkFunc) Emit(e Event) { f(e) }

// Discard is a Sink that drops every event.
var Discard Sink = SinkFunc(func(Event) {})

// Stamp returns e with Time set to now when it is zero, so producers need
// not read the clock themselves.
func Stamp(e Event) Event {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	return e
}

// Recorder is a Sink that keeps every event, for tests and for the summary.
type Recorder struct {
	mu     sync.Mutex
	events []Event
}

// Emit appends e.
func (r *Recorder) Emit(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, Stamp(e))
}

// Events returns a copy of what was recorded so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.events...)
}

// Tee returns a Sink that passes every event to each of sinks in order.
func Tee(sinks ...Sink) Sink {
	return SinkFunc(func(e Event) {
		e = Stamp(e)
		for _, s := range sinks {
			s.Emit(e)
		}
	})
}
