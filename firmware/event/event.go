package event

import (
	"log/slog"
	"time"
)

// Kind names what happened. The strings are stable: they appear in logs and APIs.
type Kind string

// The kinds of event a call produces.
const (
	CallStarted     Kind = "call.started"     // INVITE accepted for handling
	CallRinging     Kind = "call.ringing"     // 180 sent or received
	CallAnswered    Kind = "call.answered"    // 200 OK / ACK
	CallEnded       Kind = "call.ended"       // call gone; Cause says why (Status, Reason: the SIP failure of a call never answered)
	CallRefused     Kind = "call.refused"     // an inbound call refused before it started: Cause (no_route, no_ivr, busy, codec...), Status (the SIP answer), Reason (why, in words)
	CallTransferred Kind = "call.transferred" // the call was put through to To (Call.Bridged*: the new leg when it left the box)
	DTMFDigit       Kind = "dtmf.digit"       // one key; Digit, Flag and Source set
	DTMFString      Kind = "dtmf.string"      // a collected string; Digits set (no terminator), Terminator the key that ended it
	PromptFinished  Kind = "prompt.finished"  // an IVR's prompt list played to the end (UserEvent PlayPromptEnd)
	PromptSkipped   Kind = "prompt.skipped"   // a prompt could not be played; Prompt and Cause say which and why
	IVREntered      Kind = "ivr.entered"      // the call entered IVR Number
	IVRLeft         Kind = "ivr.left"         // the call left IVR Number

	// ControlOffered: an IVR's API-control step offers the call to outside
	// controllers (Control: key, params, step). ControlAccepted: one took it
	// (Control.Controller). ControlEnded: the step is over (Control.Reason:
	// released, timeout, lost, moved, hangup) and the IVR carries on.
	ControlOffered  Kind = "control.offered"
	ControlAccepted Kind = "control.accepted"
	ControlEnded    Kind = "control.ended"

	// CommandFinished: a call-control command ended (Command: its result).
	CommandFinished Kind = "command.finished"

	// RecordingStarted and RecordingFinished: a recording of the call began
	// and ended (Recording: its files, duration and why it ended).
	RecordingStarted  Kind = "recording.started"
	RecordingFinished Kind = "recording.finished"

	// ForkStarted and ForkStopped: a media fork of the call began and ended
	// (Fork: its targets and counters).
	ForkStarted Kind = "fork.started"
	ForkStopped Kind = "fork.stopped"

	// Conference rooms (Conf: the room, and the member for the member
	// events, whose call id is CallID). ConfCreated: a room was made.
	// ConfJoined and ConfLeft: a call entered or left it (Conf.Reason of a
	// leave: left, kicked, ended). ConfMuted: a member was muted or unmuted
	// (Conf.Muted). ConfTalking: a member started or stopped talking
	// (Conf.Talking). ConfEnded: the room is gone (Conf.Reason: ended by a
	// request, idle when nobody joined in time, empty when its last member
	// left, shutdown).
	ConfCreated Kind = "conf.created"
	ConfJoined  Kind = "conf.joined"
	ConfLeft    Kind = "conf.left"
	ConfMuted   Kind = "conf.muted"
	ConfTalking Kind = "conf.talking"
	ConfEnded   Kind = "conf.ended"
)

// Event is one thing that happened on one call. Call is the call's snapshot
// at the moment of the event; the other fields are the event's own payload
// and are zero when they do not apply to its Kind.
type Event struct {
	Seq    uint64    `json:"seq"`    // bus-wide sequence number, set by Publish
	Time   time.Time `json:"time"`   // set by Publish when zero
	Kind   Kind      `json:"kind"`   // what happened
	CallID string    `json:"callid"` // the call's id
	Call   *Call     `json:"call,omitempty"`

	IVR        string `json:"ivr,omitempty"`        // the IVR number involved
	Digit      string `json:"digit,omitempty"`      // DTMFDigit: the key
	Flag       int    `json:"flag"`                 // DTMFDigit: index of the key within the call, from 0
	Source     string `json:"source,omitempty"`     // DTMFDigit: rfc4733, info or inband
	Digits     string `json:"digits,omitempty"`     // DTMFString: the keys, terminator removed
	Terminator string `json:"terminator,omitempty"` // DTMFString: the key that ended the string ("" when the length did)
	Prompt     string `json:"prompt,omitempty"`     // PromptFinished: the last prompt name; PromptSkipped: the prompt
	Cause      string `json:"cause,omitempty"`      // CallEnded: normal, cancel, busy, error...; CallRefused: no_route, no_ivr...; PromptSkipped: the error
	Status     int    `json:"status,omitempty"`     // CallEnded of a call never answered: the SIP status of the failure; CallRefused: the status answered
	Reason     string `json:"reason,omitempty"`     // CallEnded of a call never answered: e.g. "486 Busy Here"; CallRefused: why, in words

	Control   *Control   `json:"control,omitempty"`   // Control* events
	Command   *Command   `json:"command,omitempty"`   // CommandFinished
	Recording *Recording `json:"recording,omitempty"` // Recording* events
	Fork      *Fork      `json:"fork,omitempty"`      // Fork* events
	Conf      *Conf      `json:"conf,omitempty"`      // Conf* events
	RTP       *RTP       `json:"rtp,omitempty"`       // CallEnded: what the call's RTP stream counted
}

// RTP is what a call's RTP stream counted and measured (CallEnded's RTP,
// and the admin API's call traces).
type RTP struct {
	Codec      string    `json:"codec"`                // PCMU or PCMA
	LocalPort  int       `json:"local_port,omitempty"` // the box's RTP port
	Remote     string    `json:"remote,omitempty"`     // the address the far end sends from (learned)
	PacketsIn  uint64    `json:"packets_in"`
	PacketsOut uint64    `json:"packets_out"`
	BytesIn    uint64    `json:"bytes_in"`
	BytesOut   uint64    `json:"bytes_out"`
	Lost       int64     `json:"lost"`               // packets missing by sequence number
	JitterMS   float64   `json:"jitter_ms"`          // interarrival jitter (RFC 3550)
	Dropped    uint64    `json:"dropped"`            // packets refused: other sources, not RTP, probation, SRTP failures
	FirstIn    time.Time `json:"first_in,omitzero"`  // the first packet received
	FirstOut   time.Time `json:"first_out,omitzero"` // the first packet sent
	First      string    `json:"first,omitempty"`    // who sent first: "remote" or "local" (the box)
}

// Directions of a call (Call.Dir).
const (
	Inbound  = "inbound"  // the call came to the box
	Outbound = "outbound" // the box placed the call
)

// Call states (Call.State).
const (
	StateDialing  = "dialing"  // an outbound call before any answer from the far end
	StateRinging  = "ringing"  // ringing (180/183 sent or received)
	StateAnswered = "answered" // answered
	StateEnded    = "ended"    // over (the snapshot of CallEnded)
)

// Call is the one model of a call that every event and every API sees: a
// snapshot of its identity and state. The call core fills it; adapters
// only translate it to their wire format.
type Call struct {
	ID        string    `json:"id"`                    // the box's call id ("1700000000.12")
	Leg       string    `json:"leg,omitempty"`         // the id of the leg to the caller or callee (inboundid/outboundid)
	SIPCallID string    `json:"sip_call_id,omitempty"` // the SIP Call-ID of that leg
	FromTag   string    `json:"from_tag,omitempty"`    // the tag of that leg's From header
	ToTag     string    `json:"to_tag,omitempty"`      // the tag of that leg's To header
	Dir       string    `json:"dir"`                   // Inbound or Outbound
	From      string    `json:"from"`                  // caller number (for an outbound call: the IVR that placed it)
	To        string    `json:"to"`                    // called number (for an outbound call: the number dialled)
	Trunk     string    `json:"trunk,omitempty"`       // the trunk the call uses; "" for local callers
	FromExt   string    `json:"fromext,omitempty"`     // the account whose permissions an API call uses
	IVR       string    `json:"ivr,omitempty"`         // the IVR the call is in
	State     string    `json:"state"`                 // StateDialing, StateRinging, StateAnswered or StateEnded
	Codec     string    `json:"codec"`                 // PCMU or PCMA
	Started   time.Time `json:"started"`               // when the call began
	Answered  time.Time `json:"answered,omitzero"`     // when it was answered; zero if not (yet)
	Source    string    `json:"source"`                // the caller's (or callee's) signalling address
	// Bridged is the number the call is put through to, while bridged
	// (BridgedLeg and BridgedTrunk: that leg's id and trunk, "" for a local
	// account).
	Bridged      string `json:"bridged,omitempty"`
	BridgedLeg   string `json:"bridged_leg,omitempty"`
	BridgedTrunk string `json:"bridged_trunk,omitempty"`
	// Controller names who steers the call: "ivr" (the IVR engine), or the
	// outside controller that accepted an API-control step.
	Controller string `json:"controller,omitempty"`
}

// Control is the payload of the Control* events.
type Control struct {
	Key        string `json:"key"`                  // the step's key, which a controller must name to accept
	Params     string `json:"params,omitempty"`     // the step's parameters (text, often JSON), passed on as is
	Step       string `json:"step,omitempty"`       // the step's kind: "api" (an IVR's API-control step) or "cloud" (a cloud-control IVR)
	ID         int    `json:"step_id,omitempty"`    // the step's number shown to controllers (ivrapi's componentid)
	Name       string `json:"step_name,omitempty"`  // the step's label shown to controllers (ivrapi's componentname)
	Timeout    int    `json:"timeout_s,omitempty"`  // seconds the step waits for a controller, or for a lost one to come back
	Controller string `json:"controller,omitempty"` // ControlAccepted, ControlEnded: who had it
	Reason     string `json:"reason,omitempty"`     // ControlEnded: released, timeout, lost, moved, hangup
}

// Command is the payload of CommandFinished: one command's result.
type Command struct {
	ID         uint64  `json:"id"`                   // the command's id on its call
	Kind       string  `json:"kind"`                 // play, collect, record, wait, digits, join...
	Status     string  `json:"status"`               // done, stopped, key, timeout, invalid, hungup, failed
	Key        string  `json:"key,omitempty"`        // the key that ended it
	Digits     string  `json:"digits,omitempty"`     // collect: the digits
	File       string  `json:"file,omitempty"`       // record: the file, relative to the recordings folder
	Duration   float64 `json:"duration_s,omitempty"` // record: seconds recorded
	Reason     string  `json:"reason,omitempty"`     // why it stopped or failed
	Controller string  `json:"controller,omitempty"` // who issued it
	Tag        string  `json:"tag,omitempty"`        // the controller's own label for it
}

// Recording is the payload of the Recording* events.
type Recording struct {
	ID       string   `json:"id"`                   // the recording's id on its call
	Format   string   `json:"format"`               // mixed, stereo, split or in
	Files    []string `json:"files,omitempty"`      // relative to the recordings folder
	Duration float64  `json:"duration_s,omitempty"` // RecordingFinished: seconds recorded
	Bytes    int64    `json:"bytes,omitempty"`      // RecordingFinished: size of the files
	Reason   string   `json:"reason,omitempty"`     // RecordingFinished: stopped, hangup, max-duration, silence, storage-full, disk-full, error...
}

// Fork is the payload of the Fork* events.
type Fork struct {
	ID      string `json:"id"`                // the fork's id on its call
	In      string `json:"in,omitempty"`      // udp://… receiving the caller's audio
	Out     string `json:"out,omitempty"`     // udp://… receiving the box's audio
	Packets uint64 `json:"packets,omitempty"` // ForkStopped: packets sent
	Errors  uint64 `json:"errors,omitempty"`  // ForkStopped: packets the network refused
	Reason  string `json:"reason,omitempty"`  // ForkStopped: stopped, hangup...
}

// Conf is the payload of the Conf* events: a conference room and, for the
// member events, the member.
type Conf struct {
	ID         string `json:"id"`                    // the room's id (8 digits unless it was named)
	Members    int    `json:"members"`               // members in the room after the change
	MaxMembers int    `json:"max_members,omitempty"` // the room's limit
	Member     string `json:"member,omitempty"`      // ConfJoined, ConfLeft, ConfMuted, ConfTalking: the member's call id
	Muted      bool   `json:"muted,omitempty"`       // the member is muted (hears, is not heard)
	Talking    bool   `json:"talking,omitempty"`     // ConfTalking: the member is talking
	Reason     string `json:"reason,omitempty"`      // ConfLeft: left, kicked, ended; ConfEnded: ended, idle, empty, shutdown
}

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
	if c := e.Call; c != nil {
		add("from", c.From)
		add("to", c.To)
		add("dir", c.Dir)
		add("trunk", c.Trunk)
		add("leg", c.Leg)
		add("bridged", c.Bridged)
	}
	add("ivr", e.IVR)
	add("digit", e.Digit)
	if e.Kind == DTMFDigit {
		attrs = append(attrs, slog.Int("flag", e.Flag))
	}
	add("digits", e.Digits)
	add("prompt", e.Prompt)
	add("cause", e.Cause)
	add("source", e.Source)
	if e.Status != 0 {
		attrs = append(attrs, slog.Int("status", e.Status))
	}
	add("reason", e.Reason)
	if x := e.Control; x != nil {
		add("key", x.Key)
		add("controller", x.Controller)
		add("control_reason", x.Reason)
	}
	if x := e.Command; x != nil {
		add("command", x.Kind)
		add("command_status", x.Status)
	}
	if x := e.Recording; x != nil {
		add("recording", x.ID)
		add("recording_reason", x.Reason)
	}
	if x := e.Fork; x != nil {
		add("fork", x.ID)
		add("fork_reason", x.Reason)
	}
	if x := e.Conf; x != nil {
		add("conf", x.ID)
		add("member", x.Member)
		add("conf_reason", x.Reason)
	}
	return slog.GroupValue(attrs...)
}
