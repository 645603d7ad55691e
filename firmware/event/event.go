package event

import (
	"log/slog"
	"time"
)

// Kind names what happened. The strings are stable: they appear in logs and APIs.
type Kind string

// The kinds of event a call produces.
const (
	CallStarted       Kind = "call.started"       // INVITE accepted for handling
	CallRinging       Kind = "call.ringing"       // 180 sent or received
	CallAnswered      Kind = "call.answered"      // 200 OK / ACK
	CallEnded         Kind = "call.ended"         // call gone; Cause says why (Status, Reason: the SIP failure of a call never answered)
	CallTransferred   Kind = "call.transferred"   // the call was put through to To (Trunk, Leg: the new leg when it left the box)
	DTMFDigit         Kind = "dtmf.digit"         // one key; Digit and Flag set
	DTMFString        Kind = "dtmf.string"        // a collected string; Digits set (no terminator)
	PromptFinished    Kind = "prompt.finished"    // an IVR's prompt list played to the end (UserEvent PlayPromptEnd)
	PromptSkipped     Kind = "prompt.skipped"     // a prompt could not be played; Prompt and Cause say which and why
	IVREntered        Kind = "ivr.entered"        // the call entered IVR Number
	IVRLeft           Kind = "ivr.left"           // the call left IVR Number
	APIControl        Kind = "ivr.api"            // an IVR handed the call to the API
	ComponentFinished Kind = "component.finished" // an API-started component ended
)

// Event is one thing that happened on one call. Fields that do not apply to a
// Kind are zero.
type Event struct {
	Seq    uint64    `json:"seq"`              // bus-wide sequence number, set by Publish
	Time   time.Time `json:"time"`             // set by Publish when zero
	Kind   Kind      `json:"kind"`             // what happened
	CallID string    `json:"callid"`           // the call's id
	Leg    string    `json:"leg,omitempty"`    // the id of the call's leg to the caller or callee (inboundid/outboundid)
	Dir    string    `json:"dir,omitempty"`    // "inbound" or "outbound" (the box placed the call)
	Trunk  string    `json:"trunk,omitempty"`  // the trunk the call came in or went out on; "" for local callers
	From   string    `json:"from,omitempty"`   // caller number
	To     string    `json:"to,omitempty"`     // called number
	IVR    string    `json:"ivr,omitempty"`    // the IVR number involved
	Digit  string    `json:"digit,omitempty"`  // DTMFDigit: the key
	Flag   int       `json:"flag"`             // DTMFDigit: index of the key within the call, from 0
	Digits string    `json:"digits,omitempty"` // DTMFString: the keys, terminator removed
	Prompt string    `json:"prompt,omitempty"` // PromptFinished: the last prompt name
	Cause  string    `json:"cause,omitempty"`  // CallEnded: normal, cancel, busy, error...; PromptSkipped: the error
	Source string    `json:"source,omitempty"` // DTMFDigit: rfc4733, info or inband
	Status int       `json:"status,omitempty"` // CallEnded of a call never answered: the SIP status of the failure
	Reason string    `json:"reason,omitempty"` // CallEnded of a call never answered: e.g. "486 Busy Here"
}

// Directions of a call (Event.Dir).
const (
	Inbound  = "inbound"  // the call came to the box
	Outbound = "outbound" // the box placed the call
)

// LogValue makes an Event print as a compact group in slog output.
func (e Event) LogValue() slog.Value {
	attrs := []slog.Attr{
		slog.Uint64("seq", e.Seq),
		slog.String("kind", string(e.Kind)),
		slog.String("call", e.CallID),
	}
	add := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	add("from", e.From)
	add("to", e.To)
	add("ivr", e.IVR)
	add("digit", e.Digit)
	if e.Kind == DTMFDigit {
		attrs = append(attrs, slog.Int("flag", e.Flag))
	}
	add("digits", e.Digits)
	add("prompt", e.Prompt)
	add("cause", e.Cause)
	add("source", e.Source)
	add("dir", e.Dir)
	add("trunk", e.Trunk)
	add("leg", e.Leg)
	if e.Status != 0 {
		attrs = append(attrs, slog.Int("status", e.Status))
	}
	add("reason", e.Reason)
	return slog.GroupValue(attrs...)
}
