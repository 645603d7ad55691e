package cdr

import (
	"encoding/json"
	"math"
	"time"
)

// Record is one finished call. Zero times mean "did not happen" (Answered of
// a call that was never answered).
type Record struct {
	ID       string    // the call's id (the SIP Call-ID)
	From     string    // caller number
	To       string    // called number
	Started  time.Time // when the call arrived
	Answered time.Time // when it was answered; zero if never
	Ended    time.Time // when it ended
	Cause    string    // why it ended: normal, cancel, busy, error, shutdown, admin...; for a refused call why it was refused: no_route, no_ivr, busy, codec...
	IVRs     []string  // the IVR numbers entered, in order (repeats of one IVR in a row once)
	Digits   string    // every key pressed, in order
	Trunk    string    // the trunk the call came in by or went out through; "" for a local caller
	Source   string    // the caller's signalling address
	// Refused is set for an inbound call the box refused before it started
	// (no route, no IVR, call limit, no common codec): Status is the SIP
	// answer and Reason says why in words. A call never answered also
	// keeps the Status and Reason of its failure.
	Refused bool
	Status  int
	Reason  string
	// Recordings are the call's recordings, in the order they finished.
	Recordings []Recording
}

// Recording is one recording of a call, as its RecordingFinished event
// told it.
type Recording struct {
	ID       string   `json:"id"`               // the recording's id on the call ("r1")
	Format   string   `json:"format"`           // in, mixed, stereo or split
	Files    []string `json:"files"`            // relative to the recordings folder
	Duration float64  `json:"duration_s"`       // seconds recorded
	Bytes    int64    `json:"bytes"`            // size of the files
	Reason   string   `json:"reason,omitempty"` // why it ended
}

// Duration is how long the call lasted, from Started to Ended.
func (r Record) Duration() time.Duration {
	if r.Started.IsZero() || r.Ended.Before(r.Started) {
		return 0
	}
	return r.Ended.Sub(r.Started)
}

// recordJSON is the JSON form of a Record (the admin API's call records).
type recordJSON struct {
	ID         string      `json:"id"`
	From       string      `json:"from"`
	To         string      `json:"to"`
	Started    time.Time   `json:"started"`
	Answered   time.Time   `json:"answered,omitzero"`
	Ended      time.Time   `json:"ended"`
	DurationS  float64     `json:"duration_s"`
	Cause      string      `json:"cause"`
	IVRs       []string    `json:"ivrs"`
	Digits     string      `json:"digits"`
	Recordings []Recording `json:"recordings,omitempty"`
	Trunk      string      `json:"trunk,omitempty"`
	Source     string      `json:"source,omitempty"`
	Refused    bool        `json:"refused"`
	Status     int         `json:"status,omitempty"`
	Reason     string      `json:"reason,omitempty"`
}

// MarshalJSON writes the record as the admin API shows it: lower-case keys,
// RFC 3339 times, "answered" left out when the call was never answered,
// "duration_s" in seconds to a tenth, "ivrs" always a list.
func (r Record) MarshalJSON() ([]byte, error) {
	ivrs := r.IVRs
	if ivrs == nil {
		ivrs = []string{}
	}
	return json.Marshal(recordJSON{
		ID: r.ID, From: r.From, To: r.To,
		Started: r.Started, Answered: r.Answered, Ended: r.Ended,
		DurationS: math.Round(r.Duration().Seconds()*10) / 10,
		Cause:     r.Cause, IVRs: ivrs, Digits: r.Digits, Recordings: r.Recordings,
		Trunk: r.Trunk, Source: r.Source, Refused: r.Refused, Status: r.Status, Reason: r.Reason,
	})
}

// UnmarshalJSON reads what MarshalJSON writes (duration_s is derived and
// ignored).
func (r *Record) UnmarshalJSON(data []byte) error {
	var j recordJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*r = Record{ID: j.ID, From: j.From, To: j.To, Started: j.Started, Answered: j.Answered,
		Ended: j.Ended, Cause: j.Cause, Digits: j.Digits, Recordings: j.Recordings,
		Trunk: j.Trunk, Source: j.Source, Refused: j.Refused, Status: j.Status, Reason: j.Reason}
	if len(j.IVRs) > 0 {
		r.IVRs = j.IVRs
	}
	return nil
}
