package pbx

import (
	"github.com/ivrbox/ivrbox/firmware/event"
)

// kindTransferred is event.CallTransferred.
const kindTransferred = event.CallTransferred

// ev is the part of an event.Event this API translates.
type ev struct {
	Kind                   event.Kind
	CallID, From, To, IVR  string
	Digit, Digits, Prompt  string
	Flag                   int
	Cause, Dir, Trunk, Leg string
	Status                 int
	Reason                 string
}

// fromEvent copies what the translation needs out of e.
func fromEvent(e event.Event) ev {
	return ev{
		Kind: e.Kind, CallID: e.CallID, From: e.From, To: e.To, IVR: e.IVR,
		Digit: e.Digit, Digits: e.Digits, Prompt: e.Prompt, Flag: e.Flag, Cause: e.Cause,
		Dir: e.Dir, Trunk: e.Trunk, Leg: e.Leg, Status: e.Status, Reason: e.Reason,
	}
}
