package tui

import (
	"encoding/json"
	"io"
	"sync"

	"github.com/devstack-dev/devstack/internal/event"
)

// JSON is an event.Sink that writes every event as one JSON object per
// line (the fields of event.Event; elapsed in nanoseconds), for other tools.
// Messages are cleaned of escape sequences and credential-looking values.
type JSON struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// NewJSON returns a JSON sink writing to w.
func NewJSON(w io.Writer) *JSON {
	return &JSON{enc: json.NewEncoder(w)}
}

// Emit writes e as one line. Write errors are ignored: progress output must
// never stop the work.
func (j *JSON) Emit(e event.Event) {
	e = event.Stamp(e)
	e.Message = clean(e.Message)
	j.mu.Lock()
	defer j.mu.Unlock()
	_ = j.enc.Encode(e)
}

// writeSummary writes s as the last line of a JSON stream, under the key
// "summary" so that readers tell it from the events.
func (j *JSON) writeSummary(s Summary) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.enc.Encode(struct {
		Summary Summary `json:"summary"`
	}{s})
}
