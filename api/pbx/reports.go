package pbx

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// The "action" values of the events (Yeastar's names; "Tranfer" is spelled
// as Yeastar spells it).
const (
	ActionAlert     = "ALERT"      // an outbound call's callee is ringing
	ActionRing      = "RING"       // an inbound call is ringing at the box
	ActionAnswered  = "ANSWERED"   // the call was answered
	ActionDTMF      = "DTMF"       // one key ("info", "flag") or the string ("infos")
	ActionUserEvent = "UserEvent"  // PlayPromptEnd or DtmfEndString
	ActionFailed    = "CallFailed" // an outbound call ended unanswered
	ActionBye       = "BYE"        // the far end hung up
	ActionHangup    = "HANGUP"     // the box or an API ended the call
	ActionTransfer  = "Tranfer"    // the call was transferred
)

// The "userevent" values of UserEvent events, as the seed's dialplan names
// them.
const (
	UserEventPromptEnd = "PlayPromptEnd"
	UserEventDtmfEnd   = "DtmfEndString"
)

// outParty is an outbound leg: {"from","to","trunk","outboundid"}.
type outParty struct {
	From       string `json:"from"`
	To         string `json:"to"`
	Trunk      string `json:"trunk"`
	OutboundID string `json:"outboundid"`
}

// inParty is an inbound leg: {"from","to","trunk","inboundid"}.
type inParty struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Trunk     string `json:"trunk"`
	InboundID string `json:"inboundid"`
}

// extRef is a local account: {"extid"}.
type extRef struct {
	ExtID string `json:"extid"`
}

// ivrRef is an IVR: {"ivrid"}.
type ivrRef struct {
	IVRID string `json:"ivrid"`
}

// member is one element of an event's "call" array; exactly one field is set.
type member struct {
	Outbound *outParty `json:"outbound,omitempty"`
	Inbound  *inParty  `json:"inbound,omitempty"`
	Ext      *extRef   `json:"ext,omitempty"`
	IVR      *ivrRef   `json:"ivr,omitempty"`
}

// callReport is ALERT, RING, ANSWERED and Tranfer.
type callReport struct {
	Action string   `json:"action"`
	CallID string   `json:"callid"`
	Call   []member `json:"call"`
	SN     string   `json:"sn"`
}

// dtmfReport is a DTMF key.
type dtmfReport struct {
	Action string   `json:"action"`
	CallID string   `json:"callid"`
	Call   []member `json:"call"`
	Info   string   `json:"info"`
	Flag   string   `json:"flag"`
	SN     string   `json:"sn"`
}

// dtmfStringReport is a collected DTMF string.
type dtmfStringReport struct {
	Action string   `json:"action"`
	CallID string   `json:"callid"`
	Call   []member `json:"call"`
	Infos  string   `json:"infos"`
	SN     string   `json:"sn"`
}

// userEventReport is an IVR user event. Its key is sent in two spellings:
// the API's lower case (ivrid, info) and the seed dialplan's
// UserEvent(PlayPromptEnd, Ivrid: ...) / UserEvent(DtmfEndString, Info: ...)
// (SeedIVRID, SeedInfo), with the same value, so an application server
// written against either finds it (docs/API-PBX.md, UserEvent).
type userEventReport struct {
	Action    string   `json:"action"`
	UserEvent string   `json:"userevent"`
	IVRID     string   `json:"ivrid,omitempty"`
	SeedIVRID string   `json:"Ivrid,omitempty"`
	Info      string   `json:"info,omitempty"`
	SeedInfo  string   `json:"Info,omitempty"`
	CallID    string   `json:"callid"`
	Call      []member `json:"call"`
	SN        string   `json:"sn"`
}

// failedReport is CallFailed, shaped like Yeastar's: the leg as a top-level
// object, no "call" array.
type failedReport struct {
	Action   string    `json:"action"`
	Reason   string    `json:"reason"`
	Cause    string    `json:"cause,omitempty"`
	CallID   string    `json:"callid"`
	Outbound *outParty `json:"outbound,omitempty"`
	Inbound  *inParty  `json:"inbound,omitempty"`
	SN       string    `json:"sn"`
}

// endReport is BYE and HANGUP.
type endReport struct {
	Action string   `json:"action"`
	CallID string   `json:"callid"`
	Call   []member `json:"call"`
	Cause  string   `json:"cause"`
	SN     string   `json:"sn"`
}

// encode marshals a report without HTML escaping and without a newline.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// sipReasons are the reason phrases of the SIP failures a call can end with.
var sipReasons = map[int]string{
	400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
	407: "Proxy Authentication Required", 408: "Request Timeout", 410: "Gone",
	480: "Temporarily Unavailable", 481: "Call/Transaction Does Not Exist",
	484: "Address Incomplete", 486: "Busy Here", 487: "Request Terminated",
	488: "Not Acceptable Here", 500: "Server Internal Error", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Server Time-out", 600: "Busy Everywhere",
	603: "Decline", 604: "Does Not Exist Anywhere", 606: "Not Acceptable",
}

// causeReasons give a SIP-like reason to causes without a SIP status.
var causeReasons = map[string]string{
	"busy":        "486 Busy Here",
	"rejected":    "603 Decline",
	"unavailable": "480 Temporarily Unavailable",
	"no-answer":   "408 Request Timeout",
	"no-route":    "404 Not Found",
	"cancel":      "487 Request Terminated",
	"api":         "487 Request Terminated",
}

// failReason is the "reason" of a CallFailed: the event's Reason, else its
// SIP Status with the standard phrase, else one derived from the cause.
func failReason(e event.Event) string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Status != 0:
		if p, ok := sipReasons[e.Status]; ok {
			return strconv.Itoa(e.Status) + " " + p
		}
		return strconv.Itoa(e.Status)
	}
	if r, ok := causeReasons[e.Cause]; ok {
		return r
	}
	return e.Cause
}
