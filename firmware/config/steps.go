package config

import (
	"hash/fnv"
	"time"
)

// APIStep configures an API-control step (ActAPI). Zero values are the
// documented defaults.
type APIStep struct {
	// Key is what a controller names to accept the call (ivrapi's "key").
	// Empty means the IVR's number.
	Key string `json:"key,omitempty"`
	// Params is passed to controllers as is (often JSON text, like the
	// WebSocket API's "params"). At most 4096 bytes.
	Params string `json:"params,omitempty"`
	// Timeout is how many seconds the step waits for a controller to take
	// the call, and for one that went away to come back, before Fallback
	// (or Next) runs. 0 means 30.
	Timeout int `json:"timeout,omitempty"`
	// Name is the step's label shown to controllers (ivrapi's
	// "componentname"). At most 100 bytes of printable text; empty: none.
	Name string `json:"name,omitempty"`
	// ID is the step's number shown to controllers (ivrapi's
	// "componentid"), 1 to MaxComponentID. 0 means a stable number derived
	// from the IVR's number and the step's key: see ComponentID.
	ID int `json:"id,omitempty"`
	// Fallback runs when no controller took the call within Timeout, or
	// the one that had it went away and did not come back within Timeout.
	// nil: Next runs then too, as after a controller gave the call back.
	Fallback *Action `json:"fallback,omitempty"`
}

// RecordStep configures a record step (ActRecord), like a voicemail
// greeting's "leave your message after the beep". Zero values are the
// documented defaults.
type RecordStep struct {
	// MaxSeconds is the longest recording; 0 means 60, at most 3600.
	MaxSeconds int `json:"max_seconds,omitempty"`
	// FinishKeys end the recording (the key is not recorded as audio that
	// matters: it is part of the last frames). Empty means "#".
	FinishKeys string `json:"finish_keys,omitempty"`
	// Beep plays a short tone before the recording starts.
	Beep bool `json:"beep,omitempty"`
	// SilenceSeconds ends the recording after this many seconds of silence
	// from the caller; 0 means never.
	SilenceSeconds int `json:"silence_seconds,omitempty"`
	// Format is "in" (the caller only, the default), "mixed", "stereo" or
	// "split".
	Format string `json:"format,omitempty"`
}

// Recording holds the box-wide recording settings.
type Recording struct {
	// MaxMB limits the space all recordings take, in MiB: when it is
	// reached, recordings stop (with an event) and no new one starts until
	// some are deleted; the calls go on. 0 means no limit but the disk.
	MaxMB int `json:"max_mb,omitempty"`
}

// Fork holds the media fork settings (monitor-call): how many, and where
// to.
type Fork struct {
	// MaxPerCall is the most forks one call may have at once; 0 means 2.
	MaxPerCall int `json:"max_per_call,omitempty"`
	// MaxTotal is the most forks the box runs at once (applied when the box
	// starts); 0 means 64.
	MaxTotal int `json:"max_total,omitempty"`
	// AllowLoopback allows targets on the box itself (loopback and its own
	// addresses): a media server running on the box, or tests.
	AllowLoopback bool `json:"allow_loopback,omitempty"`
	// AllowMulticast allows multicast and broadcast targets.
	AllowMulticast bool `json:"allow_multicast,omitempty"`
	// LANOnly refuses targets outside private and link-local ranges, so a
	// call's audio never leaves the site.
	LANOnly bool `json:"lan_only,omitempty"`
}

// Defaults of the step and media settings.
const (
	DefaultAPITimeout    = 30  // APIStep.Timeout, seconds
	DefaultRecordSeconds = 60  // RecordStep.MaxSeconds
	DefaultFinishKeys    = "#" // RecordStep.FinishKeys
	DefaultRecordFormat  = "in"
	DefaultForksPerCall  = 2  // Fork.MaxPerCall
	DefaultForksTotal    = 64 // Fork.MaxTotal
	MaxRecordSeconds     = 3600
	MaxParamsLen         = 4096
	MaxKeyLen            = 64
	MaxForks             = 1024
	MaxNextDepth         = 4         // Next or Fallback inside Next or Fallback inside ...
	MaxStepNameLen       = 100       // APIStep.Name, bytes
	MaxComponentID       = 1<<31 - 1 // APIStep.ID
	derivedIDs           = 99999     // APIStep.ComponentID derives 1 to this
)

// Step returns the API-control settings of a, with defaults; number is
// the IVR's (the default key, and with the key the source of the default
// ID: ComponentID). Fallback is shared with a.
func (a Action) Step(number string) APIStep {
	var s APIStep
	if a.API != nil {
		s = *a.API
	}
	if s.Key == "" {
		s.Key = number
	}
	if s.Timeout <= 0 {
		s.Timeout = DefaultAPITimeout
	}
	s.ID = s.ComponentID(number)
	return s
}

// ComponentID is the step's number shown to controllers (ivrapi's
// "componentid"): ID, or when it is 0 a number from 1 to 99999 derived
// from number (the IVR's) and the step's key (number when empty) with
// FNV-1a, 1 + fnv32a(number+"/"+key) % 99999. The derived number stays the
// same across restarts and edits that keep the IVR's number and the key;
// two steps of one IVR with the same key share it, and two different ones
// may rarely collide: set ID where controllers must tell them apart.
func (s APIStep) ComponentID(number string) int {
	if s.ID > 0 {
		return s.ID
	}
	key := s.Key
	if key == "" {
		key = number
	}
	h := fnv.New32a()
	h.Write([]byte(number + "/" + key)) // a hash.Hash never fails to write
	return 1 + int(h.Sum32()%derivedIDs)
}

// Wait is the step's timeout.
func (s APIStep) Wait() time.Duration { return seconds(s.Timeout) }

// Recorder returns the record-step settings of a, with defaults.
func (a Action) Recorder() RecordStep {
	var s RecordStep
	if a.Record != nil {
		s = *a.Record
	}
	if s.MaxSeconds <= 0 {
		s.MaxSeconds = DefaultRecordSeconds
	}
	if s.FinishKeys == "" {
		s.FinishKeys = DefaultFinishKeys
	}
	if s.Format == "" {
		s.Format = DefaultRecordFormat
	}
	return s
}

// Then is what follows a step: Next, or hang up when nil.
func (a Action) Then() Action {
	if a.Next == nil {
		return Action{Type: ActHangup}
	}
	return *a.Next
}

// FallbackAction is what follows an API-control step that no controller
// took in time, or whose controller went away and did not come back:
// API.Fallback, or Then when there is none.
func (a Action) FallbackAction() Action {
	if a.API != nil && a.API.Fallback != nil {
		return *a.API.Fallback
	}
	return a.Then()
}

// PerCall is the most forks per call.
func (f Fork) PerCall() int {
	if f.MaxPerCall <= 0 {
		return DefaultForksPerCall
	}
	return f.MaxPerCall
}

// Total is the most forks per box.
func (f Fork) Total() int {
	if f.MaxTotal <= 0 {
		return DefaultForksTotal
	}
	return f.MaxTotal
}

// Bytes is the storage limit in bytes (0: none).
func (r Recording) Bytes() int64 { return int64(r.MaxMB) << 20 }

// recordFormats are the recording formats by name; wholeCall marks those
// an IVR's whole-call recording may use.
var recordFormats = map[string]bool{"in": false, "mixed": true, "stereo": true, "split": true}
