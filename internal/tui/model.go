package tui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/devstack-dev/devstack/internal/event"
	"github.com/devstack-dev/devstack/internal/stack"
)

// Messages the model receives besides keys and window sizes.
type (
	// eventMsg is one event of the work, sent with Program.Send.
	eventMsg event.Event
	// doneMsg says the work returned; the view shows its final state and quits.
	doneMsg struct{ err error }
	// interruptMsg is SIGINT or SIGTERM, handled like q.
	interruptMsg struct{}
	// cancelledMsg says the caller's context was cancelled: the view shows
	// that it waits for the work, but this never counts as a second q.
	cancelledMsg struct{}
	// tickMsg refreshes the elapsed times once a second.
	tickMsg time.Time
)

// logLimit bounds the event log kept for the log pane.
const logLimit = 500

// config is what the model needs from outside; tests pin the clock, the
// colour profile and the animation.
type config struct {
	plan     *stack.Plan
	renderer *lipgloss.Renderer
	now      func() time.Time
	start    time.Time
	animate  bool
	// cancel cancels the work's context (q, Ctrl-C, a signal).
	cancel context.CancelFunc
}

// model is the bubbletea model of the progress view. It only reads events:
// it never changes the work except by cancelling its context.
type model struct {
	cfg  config
	st   styles
	tr   *tracker
	spin spinner.Model
	bar  progress.Model
	log  []string

	width, height int
	showLog       bool
	showHelp      bool
	cancelling    bool // the work's ctx is cancelled (q, a signal, the caller)
	asked         bool // the user asked to stop (q, Ctrl-C, a signal)
	forced        bool // q pressed twice: quit without waiting for the work
	finished      bool // the work returned
	finishedAt    time.Time
	err           error
	// scroll is the first body row shown when the user scrolled, or -1 to
	// follow the active and failed rows; lastOffset is the one last shown.
	scroll     int
	lastOffset int
}

func newModel(cfg config) *model {
	if cfg.renderer == nil {
		cfg.renderer = lipgloss.DefaultRenderer()
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.start.IsZero() {
		cfg.start = cfg.now()
	}
	if cfg.cancel == nil {
		cfg.cancel = func() {}
	}
	st := newStyles(cfg.renderer)
	return &model{
		cfg:    cfg,
		st:     st,
		tr:     newTracker(cfg.plan),
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.active)),
		bar:    progress.New(progress.WithSolidFill("#5FD787"), progress.WithoutPercentage(), progress.WithColorProfile(cfg.renderer.ColorProfile())),
		width:  80,
		height: 24,
		scroll: -1,
	}
}

func tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Init starts the spinner and the clock when animated.
func (m *model) Init() tea.Cmd {
	if !m.cfg.animate {
		return nil
	}
	return tea.Batch(m.spin.Tick, tick())
}

// Update applies one message.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
	case eventMsg:
		e := event.Event(msg)
		if e.Time.IsZero() {
			e.Time = m.cfg.now()
		}
		if m.tr.apply(e) {
			m.appendLog(formatLine(e, "15:04:05", m.logNameWidth(), false))
		}
	case doneMsg:
		m.finished, m.err, m.finishedAt = true, msg.err, m.cfg.now()
		m.showHelp = false
		return m, tea.Quit
	case interruptMsg:
		return m, m.interrupt()
	case cancelledMsg:
		m.cancelling = true
	case tea.KeyMsg:
		return m, m.key(msg)
	case spinner.TickMsg:
		if m.cfg.animate && !m.finished {
			var cmd tea.Cmd
			m.spin, cmd = m.spin.Update(msg)
			return m, cmd
		}
	case tickMsg:
		if m.cfg.animate && !m.finished {
			return m, tick()
		}
	}
	return m, nil
}

// interrupt cancels the work the first time and gives up waiting for it
// the second time.
func (m *model) interrupt() tea.Cmd {
	if !m.asked {
		// The caller's cancel (cancelledMsg) may have come first from the
		// same Ctrl-C: only a second request of the user forces the quit.
		m.asked, m.cancelling = true, true
		m.cfg.cancel()
		return nil
	}
	m.forced = true
	return tea.Quit
}

func (m *model) key(k tea.KeyMsg) tea.Cmd {
	switch k.String() {
	case "q", "ctrl+c":
		return m.interrupt()
	case "l":
		m.showLog = !m.showLog
	case "?":
		m.showHelp = !m.showHelp
	case "esc":
		m.showHelp = false
	case "up", "k":
		m.scrollTo(m.offset() - 1)
	case "down", "j":
		m.scrollTo(m.offset() + 1)
	case "pgup":
		m.scrollTo(m.offset() - max(1, m.height/2))
	case "pgdown", " ":
		m.scrollTo(m.offset() + max(1, m.height/2))
	case "home", "g":
		m.scrollTo(0)
	case "end", "G", "f":
		m.scroll = -1
	}
	return nil
}

func (m *model) offset() int {
	if m.scroll >= 0 {
		return m.scroll
	}
	return m.lastOffset
}

// scrollTo leaves follow mode; View clamps the offset to the rows it has.
func (m *model) scrollTo(off int) { m.scroll = max(0, off) }

func (m *model) appendLog(line string) {
	if len(line) > 0 && line[len(line)-1] == '\n' {
		line = line[:len(line)-1]
	}
	m.log = append(m.log, line)
	if len(m.log) > logLimit {
		m.log = append(m.log[:0:0], m.log[len(m.log)-logLimit:]...)
	}
}

// logNameWidth aligns the log pane's columns on the longest component name.
func (m *model) logNameWidth() int {
	w := 12
	for _, u := range m.tr.comps {
		w = max(w, len(u.name))
	}
	return min(w, 28)
}

// elapsed is the run's wall time so far, frozen when the work returned.
func (m *model) elapsed() time.Duration {
	if m.finished {
		return m.finishedAt.Sub(m.cfg.start)
	}
	return m.cfg.now().Sub(m.cfg.start)
}
