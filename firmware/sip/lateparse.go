package sip

import (
	"context"
	"log/slog"
	"net"
	"sync"
)

// A UDP request that passed the raw checks but that sipgo cannot parse
// still gets its 400 (RFC 3261 section 8.2), without parsing every datagram
// twice: screening used to parse each one to find out, which cost more
// than a tenth of a call's allocations. Instead the listener's read loop
// keeps the datagram it hands to sipgo (lateUDP); sipgo parses it on the
// same goroutine and, when it fails, logs "failed to parse" with the bytes;
// that line (lateLog) answers the kept datagram, if the bytes are the same.
// Streams and the UDP connections sipgo opens itself are still parsed in
// screening.

// sipgoParseFailed is the message sipgo's UDP transport logs for a
// datagram it cannot parse (with the bytes as "data", the cause as "error").
const sipgoParseFailed = "failed to parse"

// lateUDP is the datagram the listener handed to sipgo last.
type lateUDP struct {
	mu   sync.Mutex
	data []byte // in the read loop's buffer; nil once the next read starts
	from net.Addr
}

// keep notes the datagram handed to sipgo.
func (l *lateUDP) keep(data []byte, from net.Addr) {
	l.mu.Lock()
	l.data, l.from = data, from
	l.mu.Unlock()
}

// forget drops it; the read loop calls it before reading into the buffer
// again, so nobody looks at the buffer while it is overwritten.
func (l *lateUDP) forget() {
	l.mu.Lock()
	l.data, l.from = nil, nil
	l.mu.Unlock()
}

// answer builds the 400 for the kept datagram if it is logged (the bytes
// sipgo could not parse); nil reply if it is not the one.
func (l *lateUDP) answer(s *Server, logged, why string) (reply []byte, from net.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.data == nil || string(l.data) != logged {
		return nil, nil
	}
	head, _, ok := splitHead(l.data)
	if !ok {
		return nil, nil
	}
	s.badInput.log(s.log, "UDP", l.from, why, l.data)
	return s.refuse(head, 400, "Bad Request", why).reply, l.from
}

// lateRefuse answers the datagram sipgo logged as unparsable.
func (s *Server) lateRefuse(logged, why string) {
	reply, from := s.late.answer(s, logged, why)
	if reply == nil {
		return
	}
	s.mu.Lock()
	udp := s.udp
	s.mu.Unlock()
	if udp != nil {
		if _, err := udp.WriteTo(reply, from); err != nil {
			s.log.Debug("answer to an unparsable message failed", "remote", from.String(), "error", err)
		}
	}
}

// lateLog is the handler of sipgo's transport layer: libLog, and a parse
// failure goes to lateRefuse first.
type lateLog struct {
	*libLog
	s *Server
}

// Enabled is true for errors whatever the log's level: a parse failure
// must reach Handle.
func (l *lateLog) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelError || l.libLog.Enabled(ctx, level)
}

// Handle answers an unparsable datagram, then logs r as libLog does (if
// the log takes r's level).
func (l *lateLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError && r.Message == sipgoParseFailed {
		var data, why string
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "data":
				data = a.Value.String()
			case "error":
				why = a.Value.String()
			}
			return true
		})
		if data != "" {
			l.s.lateRefuse(data, why)
		}
	}
	if !l.libLog.Enabled(ctx, r.Level) {
		return nil
	}
	return l.libLog.Handle(ctx, r)
}

// WithAttrs keeps the wrapping.
func (l *lateLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &lateLog{libLog: l.libLog.WithAttrs(as).(*libLog), s: l.s}
}

// WithGroup keeps the wrapping.
func (l *lateLog) WithGroup(name string) slog.Handler {
	return &lateLog{libLog: l.libLog.WithGroup(name).(*libLog), s: l.s}
}
