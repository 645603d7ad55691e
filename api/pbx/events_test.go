package pbx

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// compact removes the white space of a JSON text, keeping its field order.
func compact(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		t.Fatalf("compact %q: %v", s, err)
	}
	return b.String()
}

// checkBodies compares the stored bodies with want (JSON, any spacing).
func checkBodies(t *testing.T, got []string, want ...string) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = compact(t, want[i])
		}
		if g != w {
			t.Errorf("event %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// The seed's examples, as the seed prints them.
const (
	seedAlert    = `{"action": "ALERT", "callid": "1552976047.56", "call": [{"outbound": {"from": "6500", "to": "10086", "trunk": "192.168.9.121", "outboundid": "1552976047.58"}}], "sn": "368182384620"}`
	seedAnswered = `{"action": "ANSWERED", "callid": "1552976047.56", "call": [{"outbound": {"from": "6500", "to": "10086", "trunk": "192.168.9.121", "outboundid": "1552976047.58"}}], "sn": "368182384620"}`
	seedDTMF5    = `{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "5", "flag": "1", "sn": "368182384620"}`
	seedDTMF9    = `{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.219"}}], "info": "9", "flag": "5", "sn": "368182384620"}`
	// The seed prints the last two with outboundid = the callid (.217),
	// unlike the five before; the box always reports the leg id (.219).
	seedDTMFHash  = `{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.217"}}], "info": "#", "flag": "6", "sn": "368182384620"}`
	seedDTMFInfos = `{"action": "DTMF", "callid": "1553672645.217", "call": [{"outbound": {"from": "6500", "to": "500", "trunk": "192.168.9.121", "outboundid": "1553672645.217"}}], "infos": "56789", "sn": "368182384620"}`
)

// legFixed replaces the seed's callid-as-outboundid with the leg id.
func legFixed(s string) string {
	return strings.Replace(s, `"outboundid": "1553672645.217"`, `"outboundid": "1553672645.219"`, 1)
}

// seedCall is the snapshot of the seed's DTMF example call, answered.
var seedCall = event.Call{ID: "1553672645.217", Dir: dirOutbound, From: "6500", To: "500",
	Trunk: "192.168.9.121", Leg: "1553672645.219", IVR: "6500", State: call.StateAnswered,
	Answered: time.Date(2019, 3, 27, 15, 4, 5, 0, time.UTC)}

// on gives each event the call's snapshot c (a copy) and its call id.
func on(c event.Call, evs ...event.Event) []event.Event {
	for i := range evs {
		cc := c
		evs[i].Call, evs[i].CallID = &cc, c.ID
	}
	return evs
}

// dialling is c before the answer.
func dialling(c event.Call) event.Call {
	c.Answered, c.State = time.Time{}, call.StateRinging
	return c
}

// bridged is c put through to number (through trunk with leg, or to a
// local account when both are "").
func bridged(c event.Call, number, trunk, leg string) event.Call {
	c.Bridged, c.BridgedTrunk, c.BridgedLeg, c.IVR = number, trunk, leg, ""
	return c
}

func TestSeedAlertAndAnswered(t *testing.T) {
	e := newEnv(t)
	c := event.Call{ID: "1552976047.56", Dir: dirOutbound, From: "6500", To: "10086",
		Trunk: "192.168.9.121", Leg: "1552976047.58", IVR: "6500", State: call.StateRinging}
	for _, x := range on(c, event.Event{Kind: event.CallStarted}, event.Event{Kind: event.CallRinging}) {
		e.api.handle(x)
	}
	c.Answered = time.Now()
	for _, x := range on(c, event.Event{Kind: event.CallAnswered}) {
		e.api.handle(x)
	}
	checkBodies(t, e.out.Bodies(), seedAlert, seedAnswered)
	for _, k := range e.out.keys {
		if k != "1552976047.56" {
			t.Fatalf("outbox key %q, want the call id", k)
		}
	}
}

func TestSeedDTMF(t *testing.T) {
	e := newEnv(t)
	evs := on(seedCall, event.Event{Kind: event.CallAnswered})
	for i, d := range []string{"1", "5", "6", "7", "8", "9", "#"} {
		evs = append(evs, on(seedCall, event.Event{Kind: event.DTMFDigit, Digit: d, Flag: i})...)
	}
	evs = append(evs, on(seedCall, event.Event{Kind: event.DTMFString, Digits: "56789", Terminator: "#"})...)
	for _, x := range evs {
		e.api.handle(x)
	}
	got := e.out.Bodies()[1:] // after ANSWERED
	dtmf := func(d, flag string) string {
		return strings.NewReplacer(`"info": "5"`, `"info": "`+d+`"`, `"flag": "1"`, `"flag": "`+flag+`"`).Replace(seedDTMF5)
	}
	call := `"callid":"1553672645.217","call":[{"outbound":{"from":"6500","to":"500","trunk":"192.168.9.121","outboundid":"1553672645.219"}}]`
	checkBodies(t, got,
		dtmf("1", "0"), seedDTMF5, dtmf("6", "2"), dtmf("7", "3"), dtmf("8", "4"), seedDTMF9,
		legFixed(seedDTMFHash), legFixed(seedDTMFInfos),
		`{"action":"UserEvent","userevent":"DtmfEndString","info":"56789#","Info":"56789#",`+call+`,"sn":"368182384620"}`,
	)
}

func TestEventTranslation(t *testing.T) {
	const sn = `"sn":"368182384620"`
	out := `"callid":"1553672645.217","call":[{"outbound":{"from":"6500","to":"500","trunk":"192.168.9.121","outboundid":"1553672645.219"}}]`
	outLeg := `{"from":"6500","to":"500","trunk":"192.168.9.121","outboundid":"1553672645.219"}`
	inCall := event.Call{ID: "1700000000.1", Dir: dirInbound, From: "13800000000",
		To: "88001234", Trunk: "office", Leg: "1700000000.2", IVR: "6500", State: call.StateRinging}
	in := `"callid":"1700000000.1","call":[{"inbound":{"from":"13800000000","to":"88001234","trunk":"office","inboundid":"1700000000.2"}}]`
	ringing := dialling(seedCall)
	trunkLeg := `{"outbound":{"from":"500","to":"13900000000","trunk":"trunk1","outboundid":"1553672645.230"}}`
	cat := func(groups ...[]event.Event) []event.Event {
		var out []event.Event
		for _, g := range groups {
			out = append(out, g...)
		}
		return out
	}
	// extCall is a call from local account 1001 (no trunk) to IVR 6500.
	extCall := event.Call{ID: "1700000000.5", Dir: dirInbound, From: "1001", To: "6500", Leg: "1700000000.6",
		IVR: "6500", State: call.StateAnswered, Answered: time.Now()}
	ext := `"callid":"1700000000.5","call":[{"ext":{"extid":"1001"}}]`
	answeredIn := inCall
	answeredIn.Answered = time.Now()
	for _, tc := range []struct {
		name   string
		events []event.Event
		want   []string
	}{
		{"prompt finished", on(seedCall, event.Event{Kind: event.PromptFinished, IVR: "6501", Prompt: "password"}),
			[]string{`{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"6501","Ivrid":"6501",` + out + `,` + sn + `}`}},
		{"prompt finished, IVR from the snapshot", on(func() event.Call { c := seedCall; c.IVR = "6503"; return c }(),
			event.Event{Kind: event.PromptFinished}),
			[]string{`{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"6503","Ivrid":"6503",` + out + `,` + sn + `}`}},
		{"busy", on(ringing, event.Event{Kind: event.CallRinging}, event.Event{Kind: event.CallEnded, Cause: "busy", Status: 486}),
			[]string{`{"action":"ALERT",` + out + `,` + sn + `}`,
				`{"action":"CallFailed","reason":"486 Busy Here","cause":"busy","callid":"1553672645.217","outbound":` + outLeg + `,` + sn + `}`}},
		{"failure reason given", on(ringing, event.Event{Kind: event.CallEnded, Cause: "unavailable", Status: 503, Reason: "503 Out Of Service"}),
			[]string{`{"action":"CallFailed","reason":"503 Out Of Service","cause":"unavailable","callid":"1553672645.217","outbound":` + outLeg + `,` + sn + `}`}},
		{"no answer, no status", on(ringing, event.Event{Kind: event.CallEnded, Cause: "no-answer"}),
			[]string{`{"action":"CallFailed","reason":"408 Request Timeout","cause":"no-answer","callid":"1553672645.217","outbound":` + outLeg + `,` + sn + `}`}},
		{"far end hangs up", on(seedCall, event.Event{Kind: event.CallAnswered}, event.Event{Kind: event.CallEnded, Cause: "remote-bye"}),
			[]string{`{"action":"ANSWERED",` + out + `,` + sn + `}`, `{"action":"BYE",` + out + `,"cause":"remote-bye",` + sn + `}`}},
		{"API hangs up", on(seedCall, event.Event{Kind: event.CallEnded, Cause: "api"}),
			[]string{`{"action":"HANGUP",` + out + `,"cause":"api",` + sn + `}`}},
		{"IVR ends the call", on(seedCall, event.Event{Kind: event.CallEnded, Cause: "normal"}),
			[]string{`{"action":"HANGUP",` + out + `,"cause":"normal",` + sn + `}`}},
		{"inbound rings and is answered", cat(on(inCall, event.Event{Kind: event.CallRinging}), on(answeredIn, event.Event{Kind: event.CallAnswered})),
			[]string{`{"action":"RING",` + in + `,` + sn + `}`, `{"action":"ANSWERED",` + in + `,` + sn + `}`}},
		{"inbound caller gives up", on(inCall, event.Event{Kind: event.CallRinging}, event.Event{Kind: event.CallEnded, Cause: "cancel"}),
			[]string{`{"action":"RING",` + in + `,` + sn + `}`, `{"action":"BYE",` + in + `,"cause":"cancel",` + sn + `}`}},
		{"transfer to an IVR", cat(on(seedCall, event.Event{Kind: event.CallTransferred, IVR: "6502"}),
			on(func() event.Call { c := seedCall; c.IVR = "6502"; return c }(), event.Event{Kind: event.PromptFinished})),
			[]string{`{"action":"Tranfer","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},{"ivr":{"ivrid":"6502"}}],` + sn + `}`,
				`{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"6502","Ivrid":"6502",` + out + `,` + sn + `}`}},
		{"transfer to an account", on(bridged(seedCall, "1000", "", ""), event.Event{Kind: event.CallTransferred}),
			[]string{`{"action":"Tranfer","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},{"ext":{"extid":"1000"}}],` + sn + `}`}},
		{"transfer out through a trunk", on(bridged(seedCall, "13900000000", "trunk1", "1553672645.230"),
			event.Event{Kind: event.CallTransferred}, event.Event{Kind: event.CallEnded, Cause: "remote-bye"}),
			[]string{`{"action":"Tranfer","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},` + trunkLeg + `],` + sn + `}`,
				`{"action":"BYE","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},` + trunkLeg + `],"cause":"remote-bye",` + sn + `}`}},
		{"string without #", on(seedCall, event.Event{Kind: event.DTMFDigit, Digit: "4", Flag: 0}, event.Event{Kind: event.DTMFString, Digits: "4"}),
			[]string{`{"action":"DTMF",` + out + `,"info":"4","flag":"0",` + sn + `}`,
				`{"action":"DTMF",` + out + `,"infos":"4",` + sn + `}`,
				`{"action":"UserEvent","userevent":"DtmfEndString","info":"4","Info":"4",` + out + `,` + sn + `}`}},
		{"a local account calls in: the vendor's ext member", cat(on(extCall, event.Event{Kind: event.CallAnswered},
			event.Event{Kind: event.PromptFinished}, event.Event{Kind: event.DTMFDigit, Digit: "1", Flag: 0}),
			on(extCall, event.Event{Kind: event.CallTransferred, IVR: "6502"}, event.Event{Kind: event.CallEnded, Cause: "remote-bye"})),
			[]string{`{"action":"ANSWERED",` + ext + `,` + sn + `}`,
				`{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"6500","Ivrid":"6500",` + ext + `,` + sn + `}`,
				`{"action":"DTMF",` + ext + `,"info":"1","flag":"0",` + sn + `}`,
				`{"action":"Tranfer","callid":"1700000000.5","call":[{"ext":{"extid":"1001"}},{"ivr":{"ivrid":"6502"}}],` + sn + `}`,
				`{"action":"BYE",` + ext + `,"cause":"remote-bye",` + sn + `}`}},
		{"a local caller that is no account stays inbound", on(func() event.Call { c := extCall; c.From = "2001"; return c }(),
			event.Event{Kind: event.CallAnswered}),
			[]string{`{"action":"ANSWERED","callid":"1700000000.5","call":[{"inbound":{"from":"2001","to":"6500","trunk":"","inboundid":"1700000000.6"}}],` + sn + `}`}},
		{"an account's number on a trunk stays inbound", on(func() event.Call { c := extCall; c.Trunk = "office"; return c }(),
			event.Event{Kind: event.CallAnswered}),
			[]string{`{"action":"ANSWERED","callid":"1700000000.5","call":[{"inbound":{"from":"1001","to":"6500","trunk":"office","inboundid":"1700000000.6"}}],` + sn + `}`}},
		{"a local account put through to another", on(bridged(extCall, "1000", "", ""), event.Event{Kind: event.CallTransferred}),
			[]string{`{"action":"Tranfer","callid":"1700000000.5","call":[{"ext":{"extid":"1001"}},{"ext":{"extid":"1000"}}],` + sn + `}`}},
		{"an event without a snapshot", []event.Event{{Kind: event.DTMFDigit, CallID: "1.5", Digit: "*", Flag: 3}, {Kind: event.CallEnded, CallID: "1.5", Cause: "remote-bye"}},
			[]string{`{"action":"DTMF","callid":"1.5","call":[{"inbound":{"from":"","to":"","trunk":"","inboundid":"1.5"}}],"info":"*","flag":"3",` + sn + `}`,
				`{"action":"BYE","callid":"1.5","call":[{"inbound":{"from":"","to":"","trunk":"","inboundid":"1.5"}}],"cause":"remote-bye",` + sn + `}`}},
		{"ignored kinds", append(on(seedCall, event.Event{Kind: event.CallStarted}, event.Event{Kind: event.IVRLeft},
			event.Event{Kind: event.PromptSkipped}, event.Event{Kind: event.CommandFinished}, event.Event{Kind: event.ControlOffered}),
			event.Event{Kind: event.CallRinging}),
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			for _, x := range tc.events {
				e.api.handle(x)
			}
			checkBodies(t, e.out.Bodies(), tc.want...)
		})
	}
}

func TestHookReadsBusEvents(t *testing.T) {
	e := newEnv(t)
	bus := event.NewBus(nil)
	bus.Hook(e.api.Hook)
	c := event.Call{ID: "1552976047.56", Dir: dirOutbound, From: "6500", To: "10086", Trunk: "192.168.9.121",
		Leg: "1552976047.58", IVR: "6500"}
	for _, x := range on(c, event.Event{Kind: event.CallStarted}, event.Event{Kind: event.CallRinging},
		event.Event{Kind: event.ControlOffered}) {
		bus.Publish(x)
	}
	checkBodies(t, e.out.Bodies(), seedAlert)
}

func TestEnqueueFailureLogged(t *testing.T) {
	e := newEnv(t)
	e.out.err = errors.New("disk full")
	for _, x := range on(seedCall, event.Event{Kind: event.CallRinging}) {
		e.api.handle(x)
	}
	if !strings.Contains(e.logs.String(), "disk full") {
		t.Fatalf("enqueue failure not logged:\n%s", e.logs.String())
	}
}

func TestNoEventsAfterClose(t *testing.T) {
	e := newEnv(t)
	e.api.Close()
	for _, x := range on(seedCall, event.Event{Kind: event.CallRinging}) {
		e.api.Hook(x)
	}
	if got := e.out.Bodies(); len(got) != 0 {
		t.Fatalf("events after Close: %v", got)
	}
}

// TestUserEventSpellings: the user events carry their key both as the API
// spells it (ivrid, info) and as the seed's dialplan does (Ivrid, Info),
// with one value, so clients of either spelling read it, and a strict
// decoder of the lower-case fields still accepts the body.
func TestUserEventSpellings(t *testing.T) {
	e := newEnv(t)
	for _, x := range on(seedCall, event.Event{Kind: event.PromptFinished, IVR: "6501"},
		event.Event{Kind: event.DTMFString, Digits: "4321"}) {
		e.api.handle(x)
	}
	bodies := e.out.Bodies()
	if len(bodies) != 3 {
		t.Fatalf("%d events, want 3: %q", len(bodies), bodies)
	}
	for i, tc := range []struct{ body, lower, seed, want string }{
		{bodies[0], "ivrid", "Ivrid", "6501"},
		{bodies[2], "info", "Info", "4321"},
	} {
		var m map[string]any
		if err := json.Unmarshal([]byte(tc.body), &m); err != nil {
			t.Fatal(err)
		}
		if m[tc.lower] != tc.want || m[tc.seed] != tc.want {
			t.Errorf("event %d: %s=%v %s=%v, want both %q: %s", i, tc.lower, m[tc.lower], tc.seed, m[tc.seed], tc.want, tc.body)
		}
		var strict struct {
			Action, UserEvent, IVRID, Info, CallID, SN string
			Call                                       []map[string]any
		}
		dec := json.NewDecoder(strings.NewReader(tc.body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&strict); err != nil || strict.IVRID+strict.Info != tc.want {
			t.Errorf("event %d: a strict decoder of the lower-case keys: %v, %+v", i, err, strict)
		}
	}
}
