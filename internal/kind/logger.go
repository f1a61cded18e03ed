package kind

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/devstack-dev/devstack/internal/event"
	kindlog "sigs.k8s.io/kind/pkg/log"
)

// stepLogger turns kind's log output into events. kind reports its steps
// only through the V(0) lines of its cli.Status: " • <step>  ...\n" when a
// step starts, " ✓ <step>\n" or " ✗ <step>\n" when it ends. Each step becomes
// a unit of Source cluster named by the step's text (kind's trailing emoji
// removed): running, then succeeded or failed. Warnings become warning
// events; other V(0) lines are progress of the current step; higher
// verbosity goes to slog at debug level.
type stepLogger struct {
	sink event.Sink
	// cluster names the unit that lines outside any step belong to.
	cluster string
	// closed stops delivery: kind's Create cannot be cancelled and may log
	// after Ensure has returned to a caller that stopped reading events.
	closed atomic.Bool

	mu      sync.Mutex
	current string
	started map[string]time.Time
}

var _ kindlog.Logger = (*stepLogger)(nil)

func newStepLogger(sink event.Sink, cluster string) *stepLogger {
	return &stepLogger{sink: sink, cluster: cluster, started: map[string]time.Time{}}
}

// close makes the logger drop everything from now on.
func (l *stepLogger) close() { l.closed.Store(true) }

func (l *stepLogger) emit(e event.Event) {
	if l.closed.Load() {
		return
	}
	e.Source = event.SourceCluster
	l.sink.Emit(event.Stamp(e))
}

// Warn implements log.Logger.
func (l *stepLogger) Warn(message string) {
	l.emit(event.Event{Name: l.step(), State: event.Warning, Message: strings.TrimSpace(message)})
}

// Warnf implements log.Logger.
func (l *stepLogger) Warnf(format string, args ...any) { l.Warn(fmt.Sprintf(format, args...)) }

// Error implements log.Logger. kind returns its errors as well; the line is
// kept as a progress message of the current step.
func (l *stepLogger) Error(message string) {
	l.emit(event.Event{Name: l.step(), State: event.Progress, Message: strings.TrimSpace(message)})
}

// Errorf implements log.Logger.
func (l *stepLogger) Errorf(format string, args ...any) { l.Error(fmt.Sprintf(format, args...)) }

// V implements log.Logger.
func (l *stepLogger) V(level kindlog.Level) kindlog.InfoLogger {
	if level > 0 {
		return debugLogger{level: level}
	}
	return infoLogger{l}
}

// step is the running step's name, or the cluster's between steps.
func (l *stepLogger) step() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.current == "" {
		return l.cluster
	}
	return l.current
}

// line handles one V(0) line.
func (l *stepLogger) line(msg string) {
	trimmed := strings.TrimSpace(msg)
	switch {
	case strings.HasPrefix(trimmed, "• ") && strings.HasSuffix(trimmed, "..."):
		name := stepName(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(trimmed, "• ")), "..."))
		l.mu.Lock()
		l.current, l.started[name] = name, time.Now()
		l.mu.Unlock()
		l.emit(event.Event{Name: name, State: event.Running})
	case strings.HasPrefix(trimmed, "✓ "), strings.HasPrefix(trimmed, "✗ "):
		name := stepName(trimmed[len("✓ "):])
		state := event.Succeeded
		if strings.HasPrefix(trimmed, "✗") {
			state = event.Failed
		}
		l.mu.Lock()
		var elapsed time.Duration
		if t, ok := l.started[name]; ok {
			elapsed = time.Since(t)
		}
		if l.current == name {
			l.current = ""
		}
		l.mu.Unlock()
		l.emit(event.Event{Name: name, State: state, Elapsed: elapsed})
	case strings.HasPrefix(trimmed, "• WARNING:"):
		l.emit(event.Event{Name: l.step(), State: event.Warning, Message: stepName(strings.TrimPrefix(trimmed, "• WARNING:"))})
	case trimmed != "":
		l.emit(event.Event{Name: l.step(), State: event.Progress, Message: stepName(strings.TrimPrefix(trimmed, "• "))})
	}
}

// stepName removes the decoration kind puts after a step's text (emoji,
// variation selectors, spaces): "Preparing nodes 📦 📦" -> "Preparing nodes".
func stepName(s string) string {
	return strings.TrimRightFunc(strings.TrimSpace(s), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.So, r) || unicode.Is(unicode.Sk, r) ||
			unicode.Is(unicode.Mn, r) || r == '\ufe0f' || r == '\u200d'
	})
}

type infoLogger struct{ l *stepLogger }

func (i infoLogger) Info(message string)              { i.l.line(message) }
func (i infoLogger) Infof(format string, args ...any) { i.l.line(fmt.Sprintf(format, args...)) }
func (i infoLogger) Enabled() bool                    { return true }

// debugLogger sends kind's verbose output to slog.
type debugLogger struct{ level kindlog.Level }

func (d debugLogger) Info(message string) {
	slog.Debug(strings.TrimSpace(message), "source", "kind", "v", int(d.level))
}
func (d debugLogger) Infof(format string, args ...any) { d.Info(fmt.Sprintf(format, args...)) }
func (d debugLogger) Enabled() bool {
	return slog.Default().Enabled(context.Background(), slog.LevelDebug)
}
