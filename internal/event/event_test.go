package event

import (
	"testing"
	"time"
)

func TestTerminalStates(t *testing.T) {
	for _, s := range []State{Succeeded, Skipped, Failed, Blocked, Cancelled} {
		if !s.Terminal() {
			t.Errorf("%s is terminal", s)
		}
	}
	for _, s := range []State{Pending, Waiting, Running, Progress, Warning} {
		if s.Terminal() {
			t.Errorf("%s is not terminal", s)
		}
	}
}

func TestTeeStampsOnceForEverySink(t *testing.T) {
	a, b := &Recorder{}, &Recorder{}
	Tee(a, b).Emit(Event{Name: "x", State: Running})
	fixed := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	Tee(a, b).Emit(Event{Name: "y", State: Succeeded, Time: fixed})
	ea, eb := a.Events(), b.Events()
	if len(ea) != 2 || len(eb) != 2 {
		t.Fatalf("recorded %d and %d events", len(ea), len(eb))
	}
	if ea[0].Time.IsZero() || !ea[0].Time.Equal(eb[0].Time) {
		t.Errorf("stamps differ or are missing: %v %v", ea[0].Time, eb[0].Time)
	}
	if !ea[1].Time.Equal(fixed) {
		t.Errorf("a given time was overwritten: %v", ea[1].Time)
	}
}
