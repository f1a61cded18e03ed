package tui

import (
	"strings"
	"time"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// unit is what is known about one unit of work (a component, a cluster
// step, a check) after the events seen so far.
type unit struct {
	source    event.Source
	name      string
	display   string // name as shown: cleaned, without emoji
	layer     int
	state     event.State
	message   string // cleaned (see clean)
	waitingOn []string
	blockedBy string
	warning   string
	started   time.Time // first running or progress event
	ended     time.Time // terminal event
	elapsed   time.Duration
}

// active reports whether the unit is doing work right now.
func (u *unit) active() bool { return u.state == event.Running || u.state == event.Progress }

// ok reports whether the unit finished well (ready or unchanged).
func (u *unit) ok() bool { return u.state == event.Succeeded || u.state == event.Skipped }

// duration is how long the unit ran: the producer's Elapsed when it gave
// one, else the time between its first running event and its end (or now).
func (u *unit) duration(now time.Time) time.Duration {
	switch {
	case u.state.Terminal() && u.elapsed > 0:
		return u.elapsed
	case u.started.IsZero():
		return 0
	case u.state.Terminal():
		return u.ended.Sub(u.started)
	case u.active():
		return now.Sub(u.started)
	}
	return 0
}

// status is the short text of the unit's state, for a row or a summary.
// done says whether a dependency is ready: the graph engine lists every
// dependency once when a component starts waiting, and the view drops
// those that became ready since.
func (u *unit) status(done func(string) bool) string {
	msg := firstLine(u.message)
	switch u.state {
	case event.Pending:
		return "pending"
	case event.Waiting:
		if len(u.waitingOn) > 0 {
			var left []string
			for _, d := range u.waitingOn {
				if !done(d) {
					left = append(left, d)
				}
			}
			if len(left) == 0 {
				return "starting"
			}
			return "waiting on " + strings.Join(left, ", ")
		}
		return or(msg, "waiting")
	case event.Running, event.Progress:
		return or(msg, "installing")
	case event.Succeeded:
		return "ready"
	case event.Skipped:
		return "unchanged"
	case event.Failed:
		return "failed: " + or(msg, "no reason given")
	case event.Blocked:
		if u.blockedBy != "" {
			return "blocked by " + u.blockedBy
		}
		return or(msg, "blocked")
	case event.Cancelled:
		return "cancelled"
	case event.Warning:
		return or(msg, "warning")
	}
	return string(u.state)
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// tracker folds events into units: the components of the plan (known from
// the start, in plan order) and the steps of the other sources (in the order
// they first appear).
type tracker struct {
	comps  []*unit
	compBy map[string]*unit
	// steps are the units of the doctor, cluster, dns and run sources; the
	// run's are its phases (preflight, cluster, connect, install...).
	steps  []*unit
	stepBy map[stepKey]*unit
	first  time.Time
	last   time.Time
}

// done reports whether the component named name is ready or unchanged.
func (t *tracker) done(name string) bool {
	u, ok := t.compBy[name]
	return ok && u.ok()
}

type stepKey struct {
	source event.Source
	name   string
}

// newTracker lists every planned component as pending.
func newTracker(plan *stack.Plan) *tracker {
	t := &tracker{compBy: map[string]*unit{}, stepBy: map[stepKey]*unit{}}
	if plan != nil {
		for _, c := range plan.Components {
			t.component(c.Name, c.Layer)
		}
	}
	return t
}

func (t *tracker) component(name string, layer int) *unit {
	if u, ok := t.compBy[name]; ok {
		return u
	}
	u := &unit{source: event.SourceComponent, name: name, display: displayName(name), layer: layer, state: event.Pending}
	t.comps = append(t.comps, u)
	t.compBy[name] = u
	return u
}

func (t *tracker) step(src event.Source, name string) *unit {
	k := stepKey{src, name}
	if u, ok := t.stepBy[k]; ok {
		return u
	}
	u := &unit{source: src, name: name, display: displayName(name), state: event.Pending}
	t.steps = append(t.steps, u)
	t.stepBy[k] = u
	return u
}

// apply records e. It reports whether e changed what is shown of its unit
// (a repeated progress message does not), which is what the event log and
// the plain printer print.
func (t *tracker) apply(e event.Event) bool {
	if !e.Time.IsZero() {
		if t.first.IsZero() || e.Time.Before(t.first) {
			t.first = e.Time
		}
		if e.Time.After(t.last) {
			t.last = e.Time
		}
	}
	var u *unit
	switch e.Source {
	case event.SourceComponent:
		u = t.component(e.Name, e.Layer)
	default:
		u = t.step(e.Source, e.Name)
	}
	return u.apply(e)
}

func (u *unit) apply(e event.Event) bool {
	// Messages come from the outside (Helm, pods): cleaned once, here.
	e.Message = clean(e.Message)
	switch e.State {
	case event.Warning:
		changed := u.warning != e.Message
		u.warning = e.Message
		if u.source != event.SourceComponent && (u.state == event.Pending || u.state == event.Warning) {
			// A check that reports only a warning (the doctor emits final
			// states only) is done with a caveat; a warning of running
			// work (kind's) is a note beside its state.
			u.state, u.message = event.Warning, e.Message
		}
		return changed
	case event.Progress:
		changed := u.message != e.Message || !u.active()
		if !u.active() {
			u.state = event.Running
		}
		u.message = e.Message
		u.markStarted(e.Time)
		return changed
	}
	changed := u.state != e.State || u.message != e.Message || u.blockedBy != e.BlockedBy ||
		strings.Join(u.waitingOn, ",") != strings.Join(e.WaitingOn, ",")
	u.state, u.message, u.blockedBy = e.State, e.Message, e.BlockedBy
	u.waitingOn = append([]string(nil), e.WaitingOn...)
	if e.State == event.Running {
		u.markStarted(e.Time)
	}
	if e.State.Terminal() {
		u.ended, u.elapsed = e.Time, e.Elapsed
	}
	return changed
}

func (u *unit) markStarted(at time.Time) {
	if u.started.IsZero() {
		u.started = at
	}
}

// counts are the numbers the progress line shows.
type counts struct {
	total, ok, active, waiting, failed, blocked, cancelled, done int
}

func (t *tracker) counts() counts {
	c := counts{total: len(t.comps)}
	for _, u := range t.comps {
		switch {
		case u.ok():
			c.ok++
		case u.active():
			c.active++
		case u.state == event.Waiting:
			c.waiting++
		case u.state == event.Failed:
			c.failed++
		case u.state == event.Blocked:
			c.blocked++
		case u.state == event.Cancelled:
			c.cancelled++
		}
		if u.state.Terminal() {
			c.done++
		}
	}
	return c
}
