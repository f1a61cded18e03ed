// Package tui shows the progress of `devstack up`.
//
// Everything it shows comes from the one event stream (internal/event) that
// the cluster steps, the DNS resolver, the doctor checks and the graph of
// Helm installs write to. Three views read that stream:
//
//   - Run: the interactive view (bubbletea) for a terminal: cluster steps and
//     every planned component grouped by layer, with state, spinner, elapsed
//     time, an overall progress bar, the reasons of failures, an event log
//     pane (l) and help (?). q or Ctrl-C cancels the work's context and waits
//     for the work to return, so a later `up` resumes from a consistent state.
//   - RunPlain / Plain: one line per state change, with a timestamp and no
//     escape sequences, for pipes, CI, --no-tui, NO_COLOR and TERM=dumb.
//   - RunJSON / JSON: one JSON object per event, for other tools.
//
// All three end with the same Summary (Summarize, WriteSummary): each
// component's final state and duration, the URLs, where generated
// credentials live (never the secrets), and the total time. Summary.OK is
// true only when every planned component is ready or unchanged.
//
// The package never reads secrets and masks credential-looking values that
// leak into event messages before it shows or writes them.
package tui
