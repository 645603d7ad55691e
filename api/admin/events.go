package admin

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/cdr"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// Event stream settings.
const (
	ringSize     = 500              // events kept for events/recent
	streamBuffer = 1024             // events an SSE client may fall behind
	keepAlive    = 15 * time.Second // SSE comment interval
	writeTimeout = 30 * time.Second // one SSE write
)

// ring keeps the last events published, in memory.
type ring struct {
	mu   sync.Mutex // guards buf, next and full
	buf  []event.Event
	next int
	full bool
}

func newRing(n int) *ring { return &ring{buf: make([]event.Event, n)} }

// add stores e (a bus hook: fast, no allocation).
func (r *ring) add(e event.Event) {
	r.mu.Lock()
	r.buf[r.next] = e
	r.next++
	if r.next == len(r.buf) {
		r.next, r.full = 0, true
	}
	r.mu.Unlock()
}

// last returns up to n of the newest events with Seq > after, oldest first.
func (r *ring) last(n int, after uint64) []event.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	size := r.next
	if r.full {
		size = len(r.buf)
	}
	out := make([]event.Event, 0, min(n, size))
	for i := max(size-n, 0); i < size; i++ {
		e := r.buf[(r.next-size+i+len(r.buf))%len(r.buf)]
		if e.Seq > after {
			out = append(out, e)
		}
	}
	return out
}

// getRecentEvents answers the last ?limit= events (default 100, at most 500),
// oldest first.
func (a *API) getRecentEvents(w http.ResponseWriter, r *http.Request) error {
	limit, err := intParam(r, "limit", 100, 1, ringSize)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.ring.last(limit, 0))
	return nil
}

// getEvents streams events as Server-Sent Events until the client goes,
// the API closes, or a write stalls. A Last-Event-ID header replays the
// newer events still in the ring first.
func (a *API) getEvents(w http.ResponseWriter, r *http.Request) error {
	if err := a.startStream(); err != nil {
		return err
	}
	defer a.endStream()
	sub := a.opt.Bus.Subscribe(streamBuffer)
	defer sub.Close()
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	var last uint64
	if id, err := strconv.ParseUint(r.Header.Get("Last-Event-ID"), 10, 64); err == nil {
		for _, e := range a.ring.last(ringSize, id) {
			if !a.send(w, rc, e) {
				return nil
			}
			last = e.Seq
		}
	}
	if err := a.flush(w, rc, ": ivrbox events\n\n"); err != nil {
		return nil
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case e, ok := <-sub.C():
			if !ok {
				return nil
			}
			if e.Seq > last && !a.send(w, rc, e) {
				return nil
			}
		case <-tick.C:
			if a.flush(w, rc, heartbeat()) != nil {
				return nil
			}
		case <-r.Context().Done():
			return nil
		case <-a.closing:
			return nil
		}
	}
}

// heartbeat is the message sent every keepAlive: a named event (not a
// comment), so that a page can tell a live stream from a dead one.
func heartbeat() string {
	return fmt.Sprintf("event: heartbeat\ndata: {\"time\":%q}\n\n", time.Now().UTC().Format(time.RFC3339))
}

// send writes one event; false when the client is gone.
func (a *API) send(w http.ResponseWriter, rc *http.ResponseController, e event.Event) bool {
	data, err := json.Marshal(e)
	if err != nil {
		return true
	}
	return a.flush(w, rc, fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Kind, data)) == nil
}

// flush writes s and flushes it, within writeTimeout.
func (a *API) flush(w http.ResponseWriter, rc *http.ResponseController, s string) error {
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := fmt.Fprint(w, s); err != nil {
		return err
	}
	return rc.Flush()
}

// getRecords answers call records, newest first, as JSON or (format=csv)
// a CSV download; the filters are cdr.Query's (docs/API-ADMIN.md).
func (a *API) getRecords(w http.ResponseWriter, r *http.Request) error {
	q, csv, err := a.recordQuery(r)
	if err != nil {
		return err
	}
	recs, err := a.opt.Records.Find(q)
	if err != nil {
		return err
	}
	if !csv {
		writeJSON(w, http.StatusOK, recs)
		return nil
	}
	name := "ivrbox-calls-" + a.opt.Now().In(time.Local).Format("20060102-150405") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	return cdr.WriteCSV(w, recs, time.Local)
}

// recordQuery reads GET records' query parameters.
func (a *API) recordQuery(r *http.Request) (cdr.Query, bool, error) {
	v := r.URL.Query()
	var q cdr.Query
	var csv bool
	switch f := v.Get("format"); f {
	case "", "json":
	case "csv":
		csv = true
	default:
		return q, false, httpErr(http.StatusBadRequest, "format=%q: want json or csv", f)
	}
	def, hi := 50, cdr.MaxList
	if csv {
		def, hi = cdr.MaxExport, cdr.MaxExport
	}
	var err error
	if q.Limit, err = intParam(r, "limit", def, 1, hi); err != nil {
		return q, false, err
	}
	if s := v.Get("before"); s != "" {
		if q.Before, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return q, false, httpErr(http.StatusBadRequest, "before=%q: want an RFC 3339 time like 2025-03-01T09:00:00Z", s)
		}
	}
	for _, p := range []struct {
		name string
		t    *time.Time
		end  bool
	}{{"from", &q.From, false}, {"to", &q.To, true}} {
		if *p.t, err = timeOrDate(p.name, v.Get(p.name), p.end); err != nil {
			return q, false, err
		}
	}
	q.Number, q.IVR, q.Cause, q.Text = v.Get("number"), v.Get("ivr"), v.Get("cause"), v.Get("q")
	switch s := v.Get("refused"); s {
	case "":
	case "1", "true":
		q.Refused = "yes"
	case "0", "false":
		q.Refused = "no"
	default:
		return q, false, httpErr(http.StatusBadRequest, "%s=%q: want 1 or 0", "refused", s)
	}
	return q, csv, nil
}

// timeOrDate reads an RFC 3339 time or a date (2025-03-01, the box's local
// day; the end of the day when end is set, for "to"). "" is the zero time.
func timeOrDate(name, s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, time.Local)
	if err != nil {
		return time.Time{}, httpErr(http.StatusBadRequest, "%s=%q: want an RFC 3339 time or a date like 2025-03-01", name, s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// intParam reads the query parameter name: def when absent, 400 when not a
// whole number in [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, httpErr(http.StatusBadRequest, "%s=%q: want a whole number from %d to %d", name, s, lo, hi)
	}
	return n, nil
}
