// Package lograte wraps a slog.Logger so that messages an outsider can cause
// at will (wrong tokens, malformed frames) are written at most once per period.
package lograte

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// New returns a logger that writes at most one record per every
// through log, noting how many it held back since the last one: for
// messages an outsider can cause at will (wrong tokens).
func New(log *slog.Logger, every time.Duration) *slog.Logger {
	return slog.New(&limitHandler{h: log.Handler(), every: every, state: &limitState{}})
}

type limitState struct {
	mu      sync.Mutex
	last    time.Time
	dropped int
}

// limitHandler is the slog.Handler of rateLimited.
type limitHandler struct {
	h     slog.Handler
	every time.Duration
	state *limitState
}

// Enabled defers to the wrapped handler.
func (l *limitHandler) Enabled(ctx context.Context, lv slog.Level) bool { return l.h.Enabled(ctx, lv) }

// Handle writes r unless one was written within every.
func (l *limitHandler) Handle(ctx context.Context, r slog.Record) error {
	st := l.state
	st.mu.Lock()
	if !st.last.IsZero() && r.Time.Sub(st.last) < l.every {
		st.dropped++
		st.mu.Unlock()
		return nil
	}
	st.last = r.Time
	dropped := st.dropped
	st.dropped = 0
	st.mu.Unlock()
	if dropped > 0 {
		r.AddAttrs(slog.Int("suppressed", dropped))
	}
	return l.h.Handle(ctx, r)
}

// WithAttrs wraps the wrapped handler's.
func (l *limitHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &limitHandler{h: l.h.WithAttrs(as), every: l.every, state: l.state}
}

// WithGroup wraps the wrapped handler's.
func (l *limitHandler) WithGroup(name string) slog.Handler {
	return &limitHandler{h: l.h.WithGroup(name), every: l.every, state: l.state}
}
