package e2e

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// appServer is the application server of the PBX API's integrator, inside
// the test: it records every event the box POSTs to it. It can be taken
// down (its port closed) and brought back (up, down), made slow (setDelay),
// or made to fail each event's first attempt with 500 (setFailFirst, so the
// box must send it again); refuseNext and hangUp work as on cloudApp.
type appServer struct {
	*testAppServer[appEvent]
	secret string // api.secret the box signs with ("" = unsigned)

	optsMu    sync.Mutex      // guards the fields below
	delay     time.Duration   // each request is answered after this
	failFirst bool            // answer 500 to each event id's first attempt
	seen      map[string]bool // event ids that got a 500 already
}

// appEvent is one POST from the box.
type appEvent struct {
	ID      string         // X-Ivrbox-Event-Id
	CallHdr string         // X-Ivrbox-Call-Id
	Attempt string         // X-Ivrbox-Attempt
	SigOK   bool           // the signature checks out (or no secret is set)
	Body    string         // raw body
	M       map[string]any // the decoded body
	At      time.Time      // when it arrived
}

// newAppServer starts the app server on a free loopback port.
func newAppServer(t *testing.T, secret string) *appServer {
	t.Helper()
	a := &appServer{testAppServer: newTestAppServer[appEvent](t, "app server", "/events"),
		secret: secret, seen: map[string]bool{}}
	a.start(a.serve)
	return a
}

// setDelay makes the server answer each request after d.
func (a *appServer) setDelay(d time.Duration) {
	a.optsMu.Lock()
	a.delay = d
	a.optsMu.Unlock()
}

// setFailFirst makes the server answer 500 to the first attempt of each
// event (it records the request, like a server that failed after reading it).
func (a *appServer) setFailFirst(on bool) {
	a.optsMu.Lock()
	a.failFirst = on
	a.optsMu.Unlock()
}

// serve records one event and answers 204 (after the delay), or 500 to a
// first attempt while failing first, or 503 while refusing, or nothing while
// hung up.
func (a *appServer) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	ev := appEvent{ID: r.Header.Get("X-Ivrbox-Event-Id"), CallHdr: r.Header.Get("X-Ivrbox-Call-Id"),
		Attempt: r.Header.Get("X-Ivrbox-Attempt"), Body: string(body), At: time.Now(), SigOK: true}
	if a.secret != "" {
		ev.SigOK = verifySignature(a.secret, r, body)
	}
	if err := json.Unmarshal(body, &ev.M); err != nil {
		a.t.Errorf("app server: event %s is not a JSON object: %v: %s", ev.ID, err, body)
	}
	if !a.admit(w, r, ev) {
		return
	}
	a.optsMu.Lock()
	delay := a.delay
	fail := a.failFirst && !a.seen[ev.ID]
	a.seen[ev.ID] = true
	a.optsMu.Unlock()
	a.record(ev, !fail && delay == 0)
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		if !fail {
			a.ack(ev)
		}
	}
	if fail {
		http.Error(w, "try again", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifySignature checks X-Ivrbox-Signature as docs/EVENTS.md says.
func verifySignature(secret string, r *http.Request, body []byte) bool {
	ts := r.Header.Get("X-Ivrbox-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + r.Header.Get("X-Ivrbox-Event-Id") + "."))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(r.Header.Get("X-Ivrbox-Signature")))
}

// delivered returns the events answered 2xx, one per event id (the first),
// in the order they were answered.
func (a *appServer) delivered() []appEvent {
	return a.firstAcked(func(e appEvent) string { return e.ID })
}

// ofCall keeps the events whose callid is id.
func ofCall(evs []appEvent, id string) []appEvent {
	var out []appEvent
	for _, e := range evs {
		if e.str("callid") == id {
			out = append(out, e)
		}
	}
	return out
}

// waitFor waits until a delivered event of call id (any call if "")
// satisfies match and returns it.
func (a *appServer) waitFor(d time.Duration, id string, what string, match func(appEvent) bool) appEvent {
	a.t.Helper()
	var found appEvent
	if !a.waitUntil(d, func() bool {
		for _, e := range a.delivered() {
			if (id == "" || e.str("callid") == id) && match(e) {
				found = e
				return true
			}
		}
		return false
	}) {
		a.t.Fatalf("app server: no %s event within %v; got:\n%s", what, d, dumpEvents(a.delivered()))
	}
	return found
}

// waitSig waits for an event whose signature (sig) is want.
func (a *appServer) waitSig(d time.Duration, id, want string) appEvent {
	a.t.Helper()
	return a.waitFor(d, id, want, func(e appEvent) bool { return e.sig() == want })
}

// str returns the body's key as a string ("" if missing); numbers are
// formatted without a fraction (a flag may come as 1 or "1").
func (e appEvent) str(key string) string {
	return anyStr(e.M[key])
}

// anyStr formats a decoded JSON value as a string ("" for none); numbers
// are written without a fraction.
func anyStr(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// leg returns the event's call member of kind ("outbound" or "inbound"):
// the seed's "call": [{"outbound": {...}}].
func (e appEvent) leg(kind string) map[string]string {
	list, _ := e.M["call"].([]any)
	for _, item := range list {
		m, _ := item.(map[string]any)
		if l, ok := m[kind].(map[string]any); ok {
			out := map[string]string{}
			for k, v := range l {
				out[k] = anyStr(v)
			}
			return out
		}
	}
	return nil
}

// userEvent returns the user event's name (PlayPromptEnd, DtmfEndString)
// when the event is one, else "".
func (e appEvent) userEvent() string {
	for _, k := range []string{"action", "event", "userevent", "name"} {
		for key, v := range e.M {
			if strings.EqualFold(key, k) {
				if s := anyStr(v); s == "PlayPromptEnd" || s == "DtmfEndString" {
					return s
				}
			}
		}
	}
	return ""
}

// field returns the body's key compared case-insensitively (the seed spells
// Ivrid, IvrId, Info).
func (e appEvent) field(key string) string {
	for k, v := range e.M {
		if strings.EqualFold(k, key) {
			return anyStr(v)
		}
	}
	return ""
}

// sig summarises an event for comparing sequences: "ALERT", "ANSWERED",
// "DTMF 5/1" (info/flag), "DTMF infos=56789", "PlayPromptEnd 6500",
// "DtmfEndString 56789#", "HANGUP normal" / "BYE remote-bye" (action and
// cause), "Tranfer ivr:6502" (action and target), other actions as they are.
func (e appEvent) sig() string {
	action := e.str("action")
	switch ue := e.userEvent(); ue {
	case "PlayPromptEnd":
		return ue + " " + e.field("ivrid")
	case "DtmfEndString":
		return ue + " " + e.field("info")
	}
	switch action {
	case "DTMF":
		if e.str("infos") != "" {
			return "DTMF infos=" + e.str("infos")
		}
		return "DTMF " + e.str("info") + "/" + e.str("flag")
	case "HANGUP", "BYE", "CallFailed":
		return action + " " + e.str("cause")
	case "Tranfer":
		return action + " " + e.transferTarget()
	}
	return action
}

// transferTarget is where a Tranfer event moved the call: the last call
// member's ivrid, extid or outbound "to".
func (e appEvent) transferTarget() string {
	list, _ := e.M["call"].([]any)
	if len(list) == 0 {
		return ""
	}
	last, _ := list[len(list)-1].(map[string]any)
	for kind, key := range map[string]string{"ivr": "ivrid", "ext": "extid", "outbound": "to"} {
		if m, ok := last[kind].(map[string]any); ok {
			return kind + ":" + anyStr(m[key])
		}
	}
	return ""
}

// isEnd reports whether the event ends its call (HANGUP, BYE, CallFailed).
func (e appEvent) isEnd() bool {
	switch e.str("action") {
	case "HANGUP", "BYE", "CallFailed":
		return true
	}
	return false
}

// sigs summarises a list of events.
func sigs(evs []appEvent) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.sig())
	}
	return out
}

// dumpEvents shows events in failure messages.
func dumpEvents(evs []appEvent) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  #%s attempt %s: %s\n", e.ID, e.Attempt, e.Body)
	}
	return b.String()
}

// idsIncrease reports whether the events' ids increase (the box's order).
func idsIncrease(evs []appEvent) bool {
	ids := make([]uint64, 0, len(evs))
	for _, e := range evs {
		n, err := strconv.ParseUint(e.ID, 10, 64)
		if err != nil {
			return false
		}
		ids = append(ids, n)
	}
	return sort.SliceIsSorted(ids, func(i, j int) bool { return ids[i] < ids[j] }) && strictly(ids)
}

// strictly reports whether ids increase strictly.
func strictly(ids []uint64) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			return false
		}
	}
	return true
}

// waitCount waits until n delivered events of call id have the sig want.
func (a *appServer) waitCount(d time.Duration, id, want string, n int) {
	a.t.Helper()
	count := func() int {
		c := 0
		for _, e := range ofCall(a.delivered(), id) {
			if e.sig() == want {
				c++
			}
		}
		return c
	}
	if !a.waitUntil(d, func() bool { return count() >= n }) {
		a.t.Fatalf("app server: %d×%s within %v, want %d; got:\n%s", count(), want, d, n, dumpEvents(a.delivered()))
	}
}

// atoi is s as an int, 0 if it is not one.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
