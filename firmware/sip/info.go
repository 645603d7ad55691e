package sip

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"runtime/debug"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// maxInfoBody bounds an INFO body; a DTMF one is a few dozen bytes.
const maxInfoBody = 1024

var (
	errInfoType = errors.New("unsupported INFO body type")
	errInfoBody = errors.New("malformed DTMF INFO body")
)

// onInfo answers an INFO in a dialog and passes its key to OnInfo.
func (s *Server) onInfo(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if s.onClientRequest(req, tx) {
		return
	}
	d := s.dialogFor(req, tx)
	if d == nil {
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	key, err := parseInfo(ct, req.Body())
	switch {
	case errors.Is(err, errInfoType):
		s.log.Info("INFO refused", "call_id", d.callID, "error", err)
		s.respond(tx, req, 415, "", sipmsg.NewHeader("Accept", "application/dtmf-relay, application/dtmf"))
		return
	case err != nil:
		s.log.Info("INFO refused", "call_id", d.callID, "error", err)
		s.respond(tx, req, 400, "Bad DTMF Body")
		return
	}
	s.respond(tx, req, 200, "")
	if key == 0 {
		return
	}
	d.mu.Lock()
	f := d.onInfo
	d.mu.Unlock()
	if f != nil {
		s.deliverKey(d, f, key)
	}
}

// deliverKey calls an OnInfo callback, recovering a panic.
func (s *Server) deliverKey(d *Dialog, f func(byte), key byte) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("OnInfo panicked", "call_id", d.callID, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	f(key)
}

// parseInfo reads the key of a DTMF INFO body: application/dtmf-relay
// ("Signal=5\r\nDuration=160") or application/dtmf ("5"). Keys are '0'-'9',
// '*', '#' and 'A'-'D'; RFC 4733 event numbers 10-15 are accepted for
// '*', '#', 'A'-'D'. An empty body (a keepalive) and a hook flash (16) yield
// key 0 and no error.
func parseInfo(contentType string, body []byte) (byte, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return 0, nil
	}
	if len(body) > maxInfoBody {
		return 0, fmt.Errorf("%w: %d bytes", errInfoBody, len(body))
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return 0, fmt.Errorf("%w: Content-Type %q", errInfoType, contentType)
	}
	switch mt {
	case "application/dtmf-relay":
		return parseDTMFRelay(string(body))
	case "application/dtmf":
		return parseKey(strings.TrimSpace(string(body)))
	}
	return 0, fmt.Errorf("%w: %q", errInfoType, mt)
}

// parseDTMFRelay finds the Signal line of an application/dtmf-relay body.
func parseDTMFRelay(body string) (byte, error) {
	for line := range strings.Lines(body) {
		k, v, ok := strings.Cut(line, "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
			return parseKey(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("%w: no Signal line", errInfoBody)
}

// parseKey maps a key character or RFC 4733 event number to the key.
func parseKey(s string) (byte, error) {
	if len(s) == 1 {
		switch c := s[0]; {
		case c >= '0' && c <= '9', c == '*', c == '#', c >= 'A' && c <= 'D':
			return c, nil
		case c >= 'a' && c <= 'd':
			return c - 'a' + 'A', nil
		}
	}
	switch s {
	case "10":
		return '*', nil
	case "11":
		return '#', nil
	case "12", "13", "14", "15":
		return 'A' + (s[1] - '2'), nil
	case "16":
		return 0, nil // hook flash: nothing to deliver
	}
	return 0, fmt.Errorf("%w: signal %q", errInfoBody, clip(s))
}

// clip shortens s for a log or error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
