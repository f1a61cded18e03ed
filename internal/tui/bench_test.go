package tui

import (
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkView measures one event plus one render of sixty components at
// 80x24, which is what the program does for every event the work emits.
func BenchmarkView(b *testing.B) {
	s := script{plan: bigPlan(60), fail: map[string]string{"svc-23": "ImagePullBackOff"}}
	es := s.run(150)
	m := newModel(config{plan: s.plan, renderer: asciiRenderer(), now: func() time.Time { return at(150) }, start: t0})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Update(eventMsg(es[i%len(es)]))
		_ = m.View()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/event")
}
