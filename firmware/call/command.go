package call

import (
	"context"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// Kind names a command.
type Kind string

// The command kinds.
const (
	// KindPlay plays Prompts in order (names, network-disk paths, http(s)
	// URLs; ${VAR} expanded), Loop times; with BargeIn a key stops it (the
	// result has the key; Asterisk's Background), without it keys pressed
	// meanwhile are discarded (Playback).
	KindPlay Kind = "play"
	// KindCollect plays Prompts (a key stops them) and collects digits: up
	// to MaxDigits, ended early by one of FinishKeys (not included), with
	// FirstTimeout for the first key and InterTimeout between keys. Keys
	// typed ahead (before the command started) count.
	KindCollect Kind = "collect"
	// KindRecord records the call (Format, default the caller's side only)
	// after an optional Beep, until MaxDuration, SilenceStop of silence
	// from the caller, one of FinishKeys, or Stop.
	KindRecord Kind = "record"
	// KindWait waits Duration (silence, keys typed ahead are kept).
	KindWait Kind = "wait"
	// KindDigits sends Digits to the caller as RFC 4733 events, each
	// Duration long (0: 100 ms).
	KindDigits Kind = "digits"
	// KindJoin joins Room (a conference) until the room lets the call go or
	// the command is stopped.
	KindJoin Kind = "join"
)

// Command is one thing a controller asks of a call. Only the fields of its
// Kind are read; zero values are the documented defaults.
type Command struct {
	Kind Kind
	// Tag is the controller's own label, echoed in the result.
	Tag string
	// Prompts for play and collect (at most MaxPrompts).
	Prompts []string
	// BargeIn lets a key stop a play.
	BargeIn bool
	// Loop is how many times a play plays its prompts: 0 or 1 once, n
	// times, a negative value until stopped.
	Loop int
	// MinDigits and MaxDigits bound a collect (defaults 1 and 32; at most
	// MaxCollect). Fewer than MinDigits before a finish key gives
	// StatusInvalid.
	MinDigits, MaxDigits int
	// ClearAhead drops the keys typed ahead before a collect starts (the
	// Era DTMF component's clearDtmfBuffer), so only keys pressed during
	// it count.
	ClearAhead bool
	// FinishKeys end a collect or a record ("#", "#*"); empty: none.
	FinishKeys string
	// FirstTimeout is how long a collect waits for the first key after its
	// prompts (0: it only takes keys typed ahead); InterTimeout between
	// keys (0: FirstTimeout). At most MaxTimeout each.
	FirstTimeout, InterTimeout time.Duration
	// Format of a record: "in" (default: the caller only, mono), "mixed",
	// "stereo" (caller left, box right) or "split" (a file per direction).
	Format string
	// MaxDuration bounds a record (0: MaxRecord).
	MaxDuration time.Duration
	// SilenceStop ends a record after this much silence from the caller
	// (0: never).
	SilenceStop time.Duration
	// Beep plays a short tone before a record starts.
	Beep bool
	// Duration of a wait, or of each digit sent.
	Duration time.Duration
	// Digits to send (0-9, *, #, A-D).
	Digits string
	// Room to join.
	Room Room
}

// Limits on commands; larger values are refused with CodeBadRequest.
const (
	MaxPrompts = 64
	MaxCollect = 64
	MaxTimeout = 10 * time.Minute
	MaxWait    = time.Hour
	MaxRecord  = time.Hour
	MaxDigits  = 32
)

// Status says how a command ended.
type Status string

// The statuses of Result.
const (
	StatusDone    Status = "done"    // it did what it was asked
	StatusStopped Status = "stopped" // Stop, a later Stop-and-play, or the controller lost the call
	StatusKey     Status = "key"     // a key stopped a barge-in play (Result.Key)
	StatusTimeout Status = "timeout" // a collect got no (or too few) digits in time
	StatusInvalid Status = "invalid" // a collect ended by a finish key with too few digits
	StatusHungUp  Status = "hungup"  // the call ended first
	StatusFailed  Status = "failed"  // it could not be done (Reason)
)

// Result is how a command ended.
type Result struct {
	ID     uint64 // the command's id on its call
	Kind   Kind
	Tag    string
	Status Status
	Key    string        // the key that ended it (barge-in, finish key)
	Digits string        // collect: the digits, finish key excluded
	File   string        // record: the first file, relative to the recordings folder
	Files  []string      // record: every file
	Length time.Duration // record: how long it recorded
	Reason string        // why it stopped or failed
}

// Op is a command submitted to a call: it ends with one Result.
type Op struct {
	id   uint64
	cmd  Command
	ctl  *Control
	done chan struct{}
	res  Result // set before done is closed

	// run state, owned by the executor
	loaded    chan [][]byte
	cancel    context.CancelFunc
	clips     [][]byte
	plays     int
	phase     phase
	digits    []byte
	rec       *recording
	ending    Status // a record being finalised: the status it ends with
	endReason string
	endKey    string
	leave     func()
	gone      <-chan struct{}
	why       func() string
}

// phase is where a multi-step command is.
type phase int

const (
	phasePrompts phase = iota // playing prompts (or the beep)
	phaseInput                // collecting digits, recording, in the room
)

// ID is the command's id on its call.
func (o *Op) ID() uint64 { return o.id }

// Done is closed when the command has ended.
func (o *Op) Done() <-chan struct{} { return o.done }

// Result returns the command's result; valid once Done is closed.
func (o *Op) Result() Result {
	select {
	case <-o.done:
		return o.res
	default:
		return Result{ID: o.id, Kind: o.cmd.Kind}
	}
}

// validate checks a command's parameters and fills in defaults.
func (cmd *Command) validate() error {
	bad := func(format string, args ...any) error {
		return fail(CodeBadRequest, string(cmd.Kind), nil, format, args...)
	}
	if len(cmd.Prompts) > MaxPrompts {
		return bad("%d prompts (at most %d)", len(cmd.Prompts), MaxPrompts)
	}
	for _, d := range []time.Duration{cmd.FirstTimeout, cmd.InterTimeout, cmd.Duration, cmd.MaxDuration, cmd.SilenceStop} {
		if d < 0 {
			return bad("negative duration %v", d)
		}
	}
	switch cmd.Kind {
	case KindPlay:
	case KindCollect:
		if cmd.MaxDigits == 0 {
			cmd.MaxDigits = 32
		}
		if cmd.MinDigits == 0 {
			cmd.MinDigits = 1
		}
		switch {
		case cmd.MaxDigits < 0 || cmd.MaxDigits > MaxCollect:
			return bad("max digits %d (1 to %d)", cmd.MaxDigits, MaxCollect)
		case cmd.MinDigits < 0 || cmd.MinDigits > cmd.MaxDigits:
			return bad("min digits %d (1 to max digits %d)", cmd.MinDigits, cmd.MaxDigits)
		case cmd.FirstTimeout > MaxTimeout || cmd.InterTimeout > MaxTimeout:
			return bad("timeout over %v", MaxTimeout)
		}
		if cmd.InterTimeout == 0 {
			cmd.InterTimeout = cmd.FirstTimeout
		}
		return validKeys(cmd, cmd.FinishKeys)
	case KindRecord:
		if cmd.MaxDuration == 0 || cmd.MaxDuration > MaxRecord {
			if cmd.MaxDuration > MaxRecord {
				return bad("max duration %v (at most %v)", cmd.MaxDuration, MaxRecord)
			}
			cmd.MaxDuration = MaxRecord
		}
		if cmd.SilenceStop > cmd.MaxDuration {
			return bad("silence stop %v is longer than the recording's %v", cmd.SilenceStop, cmd.MaxDuration)
		}
		if cmd.Format == "" {
			cmd.Format = "in"
		}
		if !validFormat(cmd.Format) {
			return bad("format %q (in, mixed, stereo or split)", cmd.Format)
		}
		return validKeys(cmd, cmd.FinishKeys)
	case KindWait:
		if cmd.Duration == 0 || cmd.Duration > MaxWait {
			return bad("wait of %v (more than 0, at most %v)", cmd.Duration, MaxWait)
		}
	case KindDigits:
		if cmd.Digits == "" || len(cmd.Digits) > MaxDigits {
			return bad("%d digits to send (1 to %d)", len(cmd.Digits), MaxDigits)
		}
		if cmd.Duration == 0 {
			cmd.Duration = dtmf.DefaultDuration
		}
		if dtmf.Packets(cmd.Duration) == 0 {
			return bad("digit duration %v (%v to %v)", cmd.Duration, dtmf.MinDuration, dtmf.MaxDuration)
		}
		return validKeys(cmd, cmd.Digits)
	case KindJoin:
		if cmd.Room == nil {
			return bad("no room")
		}
	default:
		return bad("unknown command %q", cmd.Kind)
	}
	return nil
}

// validKeys checks that keys are DTMF keys.
func validKeys(cmd *Command, keys string) error {
	for i := 0; i < len(keys); i++ {
		if _, ok := dtmf.Code(keys[i]); !ok {
			return fail(CodeBadRequest, string(cmd.Kind), nil, "%q is not a key", keys[i])
		}
	}
	return nil
}

// validFormat reports whether f is a recording format.
func validFormat(f string) bool {
	return strings.Contains(" in mixed stereo split ", " "+f+" ")
}
