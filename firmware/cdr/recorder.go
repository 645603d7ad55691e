package cdr

import (
	"log/slog"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// Limits on what one record keeps of a call.
const (
	maxIVRs   = 64  // IVR numbers per record
	maxDigits = 256 // keys per record
	// maxRecordings is the most recordings one record lists.
	maxRecordings = 32
	// staleAfter is how long a call with no call.ended is tracked before it
	// is dropped (its call.ended was lost).
	staleAfter = 24 * time.Hour
	// batch is the most records written in one transaction.
	batch = 128
	// commitWindow is how long a finished call's record may wait for
	// others to share its transaction (one disk sync each): at 300 calls a
	// second, thirty records a write instead of one.
	commitWindow = 100 * time.Millisecond
	// subBuffer is the most events waiting for the recorder.
	subBuffer = 1 << 16
	// sweepEvery is how often calls with no call.ended are looked for.
	sweepEvery = 10 * time.Minute
)

// Bus is the event source a Recorder reads (an *event.Bus).
type Bus interface {
	SubscribeBatch(max int) *event.Batch
}

// Recorder writes one Record per call to a Store, built from the call's
// events. It runs its own goroutine from NewRecorder until Close.
type Recorder struct {
	st    *Store
	sub   *event.Batch
	log   *slog.Logger
	now   func() time.Time
	once  sync.Once
	done  chan struct{}
	calls map[string]*Record // calls in progress; owned by the goroutine
	ready []Record           // finished, not yet written; owned by the goroutine
	lost  uint64             // dropped events already logged; owned by the goroutine
	swept time.Time          // the last sweep; owned by the goroutine
}

// NewRecorder subscribes to bus and starts recording into st. log may be
// nil (no logging).
func NewRecorder(st *Store, bus Bus, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{st: st, sub: bus.SubscribeBatch(subBuffer), log: log, now: time.Now,
		done: make(chan struct{}), calls: map[string]*Record{}}
	go r.run()
	return r
}

// Close stops recording: the events already received are applied and the
// finished calls written, then it returns. Calls still in progress are not
// recorded. It is idempotent and waits.
func (r *Recorder) Close() {
	r.once.Do(r.sub.Close)
	<-r.done
}

// run applies the events in batches, one commit window after the first
// of each (one wake-up and one transaction a batch), until Close.
func (r *Recorder) run() {
	defer close(r.done)
	r.swept = r.now()
	r.sub.Serve(commitWindow, func(evs []event.Event, _ bool) {
		for _, e := range evs {
			r.apply(e)
		}
		r.flush()
		if r.now().Sub(r.swept) >= sweepEvery {
			r.sweep()
			r.swept = r.now()
		}
	})
}

// apply adds one event to its call's record.
func (r *Recorder) apply(e event.Event) {
	if e.Kind == event.CallRefused {
		rec := Record{ID: e.CallID, Started: e.Time, Ended: e.Time, Cause: e.Cause,
			Refused: true, Status: e.Status, Reason: e.Reason}
		if c := e.Call; c != nil {
			rec.From, rec.To, rec.Trunk, rec.Source = c.From, c.To, c.Trunk, c.Source
		}
		r.ready = append(r.ready, rec)
		return
	}
	rec := r.calls[e.CallID]
	if rec == nil {
		if e.Kind != event.CallStarted && e.Kind != event.CallEnded {
			return // a call that started before we subscribed
		}
		rec = &Record{ID: e.CallID}
		if c := e.Call; c != nil {
			rec.From, rec.To, rec.Trunk, rec.Source = c.From, c.To, c.Trunk, c.Source
			if e.Kind == event.CallEnded { // ended with nothing seen before (a call lost in a crash)
				rec.Started, rec.Answered = c.Started, c.Answered
				if c.IVR != "" {
					rec.IVRs = []string{c.IVR}
				}
			}
		}
		r.calls[e.CallID] = rec
	}
	switch e.Kind {
	case event.CallStarted:
		rec.Started = e.Time
	case event.CallAnswered:
		rec.Answered = e.Time
	case event.IVREntered:
		if n := len(rec.IVRs); (n == 0 || rec.IVRs[n-1] != e.IVR) && n < maxIVRs {
			rec.IVRs = append(rec.IVRs, e.IVR)
		}
	case event.DTMFDigit:
		if len(rec.Digits)+len(e.Digit) <= maxDigits {
			rec.Digits += e.Digit
		}
	case event.RecordingFinished:
		if x := e.Recording; x != nil && len(x.Files) > 0 && len(rec.Recordings) < maxRecordings {
			rec.Recordings = append(rec.Recordings, Recording{ID: x.ID, Format: x.Format, Files: x.Files,
				Duration: x.Duration, Bytes: x.Bytes, Reason: x.Reason})
		}
	case event.CallEnded:
		rec.Ended, rec.Cause, rec.Status, rec.Reason = e.Time, e.Cause, e.Status, e.Reason
		if c := e.Call; c != nil && c.Trunk != "" {
			rec.Trunk = c.Trunk
		}
		if rec.Started.IsZero() {
			rec.Started = e.Time
		}
		r.ready = append(r.ready, *rec)
		delete(r.calls, e.CallID)
	}
}

// flush writes the finished records.
func (r *Recorder) flush() {
	if d := r.sub.Dropped(); d > r.lost {
		r.log.Warn("cdr: events lost, some call records are incomplete", "lost", d-r.lost)
		r.lost = d
	}
	if len(r.ready) == 0 {
		return
	}
	for recs := r.ready; len(recs) > 0; {
		n := min(len(recs), batch)
		if err := r.st.Add(recs[:n]...); err != nil {
			r.log.Error("cdr: call records not written", "records", n, "err", err)
		}
		recs = recs[n:]
	}
	clear(r.ready)
	r.ready = r.ready[:0]
}

// sweep forgets calls whose call.ended never came.
func (r *Recorder) sweep() {
	for id, rec := range r.calls {
		if r.now().Sub(rec.Started) > staleAfter {
			r.log.Warn("cdr: call never ended, no record kept", "call", id, "started", rec.Started)
			delete(r.calls, id)
		}
	}
}
