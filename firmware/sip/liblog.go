package sip

import (
	"context"
	"log/slog"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// sipgo logs what peers do wrong (a message it cannot match, a connection
// that timed out) at ERROR, one line each, quoting the message. libLog
// wraps the handler sipgo gets: its warnings and errors are logged at WARN,
// each message text at most once a second (the line counts those left
// out), string attributes cut to libQuote bytes. Debug and info pass as
// they are.
type libLog struct {
	slog.Handler
	limit *libLimit
}

// libQuote bounds a string attribute of a sipgo warning.
const libQuote = 120

// libLimit remembers when each message text was last logged.
type libLimit struct {
	mu   sync.Mutex
	last map[string]time.Time
	n    map[string]int
}

// newLibLog wraps h.
func newLibLog(h slog.Handler) *libLog {
	return &libLog{Handler: h, limit: &libLimit{last: map[string]time.Time{}, n: map[string]int{}}}
}

// Handle logs r, rate-limited and shortened when it is a warning or worse.
func (l *libLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < slog.LevelWarn {
		return l.Handler.Handle(ctx, r)
	}
	n, ok := l.limit.allow(r.Message, r.Time)
	if !ok {
		return nil
	}
	out := slog.NewRecord(r.Time, slog.LevelWarn, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if a.Value.Kind() == slog.KindString && len(a.Value.String()) > libQuote {
			a.Value = slog.StringValue(a.Value.String()[:libQuote] + "…")
		} else if a.Value.Kind() == slog.KindAny {
			if err, isErr := a.Value.Any().(error); isErr && len(err.Error()) > libQuote {
				a.Value = slog.StringValue(err.Error()[:libQuote] + "…")
			}
		}
		out.AddAttrs(a)
		return true
	})
	if n > 0 {
		out.AddAttrs(slog.Int("suppressed", n))
	}
	return l.Handler.Handle(ctx, out)
}

// WithAttrs keeps the wrapping.
func (l *libLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &libLog{Handler: l.Handler.WithAttrs(as), limit: l.limit}
}

// WithGroup keeps the wrapping.
func (l *libLog) WithGroup(name string) slog.Handler {
	return &libLog{Handler: l.Handler.WithGroup(name), limit: l.limit}
}

// allow reports whether msg may be logged at t, and how many were left
// out since it last was.
func (m *libLimit) allow(msg string, t time.Time) (int, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.Sub(m.last[msg]) < time.Second {
		m.n[msg]++
		return 0, false
	}
	if len(m.last) > 256 { // texts are sipgo's constants; bound the map anyway
		clear(m.last)
		clear(m.n)
	}
	n := m.n[msg]
	m.last[msg], m.n[msg] = t, 0
	return n, true
}

// SetLibraryLogger sets the logger sipgo uses for the few messages it logs
// outside any user agent (connection reference counting, lazy header
// parsing). sipgo keeps it in a global: call this once, before NewServer;
// otherwise those messages go to slog.Default.
func SetLibraryLogger(l *slog.Logger) {
	if l == nil {
		l = slog.New(slog.DiscardHandler)
	}
	sipmsg.SetDefaultLogger(slog.New(newLibLog(l.Handler())).With("component", "sipgo"))
}
