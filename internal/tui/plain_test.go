package tui

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/devstack-dev/devstack/internal/event"
)

// plainScript exercises every rule of the plain printer: repeated progress
// is dropped, an initial pending without message is not a change, waiting
// and blocked say on what, multi-line errors are indented, escape sequences
// and credential values never reach the output.
func plainScript() []event.Event {
	return []event.Event{
		{Time: at(0), Source: event.SourceDoctor, Name: "docker", State: event.Succeeded, Message: "Docker 27.3 reachable"},
		{Time: at(0), Source: event.SourceDoctor, Name: "memory", State: event.Warning, Message: "6 GiB free, 8 GiB advised"},
		step(0, kindSteps[0], event.Running, ""),
		step(12, kindSteps[0], event.Succeeded, ""),
		{Time: at(60), Source: event.SourceDNS, Name: "resolver", State: event.Succeeded, Message: "127.0.0.1:5354 answers *.local"},
		ev(60, "cnpg-operator", event.Pending, ""),
		{Time: at(60), Source: event.SourceComponent, Name: "postgresql", State: event.Waiting,
			Message: "waiting on cnpg-operator", WaitingOn: []string{"cnpg-operator"}},
		{Time: at(60), Source: event.SourceComponent, Name: "n8n", State: event.Waiting, WaitingOn: []string{"postgresql", "redis"}},
		ev(60, "cnpg-operator", event.Running, ""),
		ev(70, "cnpg-operator", event.Progress, "waiting for deployment/cnpg-operator 0/1 ready"),
		ev(75, "cnpg-operator", event.Progress, "waiting for deployment/cnpg-operator 0/1 ready"),
		{Time: at(80), Source: event.SourceComponent, Name: "cnpg-operator", State: event.Succeeded, Elapsed: 20 * time.Second},
		ev(80, "postgresql", event.Running, "installing chart cluster 0.3.1"),
		ev(90, "postgresql", event.Progress, "waiting for cluster.postgresql.cnpg.io/postgresql: \x1b[31mnot ready\x1b[0m"),
		{Time: at(140), Source: event.SourceComponent, Name: "postgresql", State: event.Failed, Elapsed: time.Minute,
			Message: postgresFailure},
		{Time: at(140), Source: event.SourceComponent, Name: "n8n", State: event.Blocked, BlockedBy: "postgresql"},
		{Time: at(140), Source: event.SourceComponent, Name: "redis", State: event.Skipped, Message: "release unchanged", Elapsed: 800 * time.Millisecond},
		{Time: at(141), Source: event.SourceRun, Name: "install", State: event.Failed, Message: "1 failed, 1 blocked"},
	}
}

func TestPlain(t *testing.T) {
	var b bytes.Buffer
	p := NewPlain(&b)
	for _, e := range plainScript() {
		p.Emit(e)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\r") {
		t.Errorf("plain output holds escape or control characters:\n%q", out)
	}
	if strings.Contains(out, "hunter2") {
		t.Error("plain output leaks a password")
	}
	if n := strings.Count(out, "waiting for deployment/cnpg-operator"); n != 1 {
		t.Errorf("repeated progress printed %d times, want once", n)
	}
	golden.RequireEqual(t, b.Bytes())
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	j := NewJSON(&b)
	in := plainScript()
	for _, e := range in {
		j.Emit(e)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != len(in) {
		t.Fatalf("got %d lines for %d events", len(lines), len(in))
	}
	for i, l := range lines {
		var e event.Event
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("line %d is not an event: %v\n%s", i+1, err, l)
		}
		if e.Name != in[i].Name || e.State != in[i].State || !e.Time.Equal(in[i].Time) || e.Elapsed != in[i].Elapsed {
			t.Errorf("line %d = %+v, want %+v", i+1, e, in[i])
		}
		if strings.Contains(e.Message, "\x1b") || strings.Contains(e.Message, "hunter2") {
			t.Errorf("line %d message not cleaned: %q", i+1, e.Message)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	cases := map[time.Duration]string{
		0: "0s", 850 * time.Millisecond: "850ms", 12 * time.Second: "12s", 62 * time.Second: "1m02s",
		time.Hour + 5*time.Minute + 7*time.Second: "1h05m", -time.Second: "0s",
	}
	for d, want := range cases {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain", "plain"},
		{"\x1b[31mred\x1b[0m text", "red text"},
		{"a\tb\rc\x07d\n", "a bcd"},
		{"password=hunter2 user=admin", "password=*** user=admin"},
		{`{"apiKey": "abc123", "x": 1}`, `{"apiKey": "***", "x": 1}`},
		{"TOKEN: s3cr3t\nnext line", "TOKEN: ***\nnext line"},
		{"client_secret=zzz", "client_secret=***"},
		{"no secrets here: tokens are counted", "no secrets here: tokens are counted"},
	}
	for _, tc := range cases {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := displayName("Starting control-plane 🕹️"); got != "Starting control-plane" {
		t.Errorf("displayName kept emoji: %q", got)
	}
}
