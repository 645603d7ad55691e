package pbx

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

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

// seedStart is call.started of the seed's DTMF example call.
var seedStart = event.Event{Kind: event.CallStarted, CallID: "1553672645.217", Dir: dirOutbound, From: "6500", To: "500",
	Trunk: "192.168.9.121", Leg: "1553672645.219", IVR: "6500"}

func TestSeedAlertAndAnswered(t *testing.T) {
	e := newEnv(t)
	start := event.Event{Kind: event.CallStarted, CallID: "1552976047.56", Dir: dirOutbound, From: "6500", To: "10086",
		Trunk: "192.168.9.121", Leg: "1552976047.58", IVR: "6500"}
	e.api.handle(start)
	e.api.handle(event.Event{Kind: event.CallRinging, CallID: "1552976047.56"})
	e.api.handle(event.Event{Kind: event.CallAnswered, CallID: "1552976047.56"})
	checkBodies(t, e.out.Bodies(), seedAlert, seedAnswered)
	for _, k := range e.out.keys {
		if k != "1552976047.56" {
			t.Fatalf("outbox key %q, want the call id", k)
		}
	}
}

func TestSeedDTMF(t *testing.T) {
	e := newEnv(t)
	e.api.handle(seedStart)
	e.api.handle(event.Event{Kind: event.CallAnswered, CallID: seedStart.CallID})
	for i, d := range []string{"1", "5", "6", "7", "8", "9", "#"} {
		e.api.handle(event.Event{Kind: event.DTMFDigit, CallID: seedStart.CallID, Digit: d, Flag: i})
	}
	e.api.handle(event.Event{Kind: event.DTMFString, CallID: seedStart.CallID, Digits: "56789"})
	got := e.out.Bodies()[1:] // after ANSWERED
	dtmf := func(d, flag string) string {
		return strings.NewReplacer(`"info": "5"`, `"info": "`+d+`"`, `"flag": "1"`, `"flag": "`+flag+`"`).Replace(seedDTMF5)
	}
	call := `"callid":"1553672645.217","call":[{"outbound":{"from":"6500","to":"500","trunk":"192.168.9.121","outboundid":"1553672645.219"}}]`
	checkBodies(t, got,
		dtmf("1", "0"), seedDTMF5, dtmf("6", "2"), dtmf("7", "3"), dtmf("8", "4"), seedDTMF9,
		legFixed(seedDTMFHash), legFixed(seedDTMFInfos),
		`{"action":"UserEvent","userevent":"DtmfEndString","info":"56789#",`+call+`,"sn":"368182384620"}`,
	)
}

func TestEventTranslation(t *testing.T) {
	const sn = `"sn":"368182384620"`
	out := `"callid":"1553672645.217","call":[{"outbound":{"from":"6500","to":"500","trunk":"192.168.9.121","outboundid":"1553672645.219"}}]`
	outLeg := `{"from":"6500","to":"500","trunk":"192.168.9.121","outboundid":"1553672645.219"}`
	inStart := event.Event{Kind: event.CallStarted, CallID: "1700000000.1", Dir: dirInbound, From: "13800000000",
		To: "88001234", Trunk: "office", Leg: "1700000000.2", IVR: "6500"}
	in := `"callid":"1700000000.1","call":[{"inbound":{"from":"13800000000","to":"88001234","trunk":"office","inboundid":"1700000000.2"}}]`
	id := seedStart.CallID
	for _, tc := range []struct {
		name   string
		events []event.Event
		want   []string
	}{
		{"prompt finished", []event.Event{seedStart, {Kind: event.PromptFinished, CallID: id, IVR: "6501", Prompt: "password"}},
			[]string{`{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"6501",` + out + `,` + sn + `}`}},
		{"prompt finished, IVR from ivr.entered", []event.Event{seedStart, {Kind: event.IVREntered, CallID: id, IVR: "6503"}, {Kind: event.PromptFinished, CallID: id}},
			[]string{`{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"6503",` + out + `,` + sn + `}`}},
		{"busy", []event.Event{seedStart, {Kind: event.CallRinging, CallID: id}, {Kind: event.CallEnded, CallID: id, Cause: "busy", Status: 486}},
			[]string{`{"action":"ALERT",` + out + `,` + sn + `}`,
				`{"action":"CallFailed","reason":"486 Busy Here","cause":"busy","callid":"1553672645.217","outbound":` + outLeg + `,` + sn + `}`}},
		{"failure reason given", []event.Event{seedStart, {Kind: event.CallEnded, CallID: id, Cause: "unavailable", Status: 503, Reason: "503 Out Of Service"}},
			[]string{`{"action":"CallFailed","reason":"503 Out Of Service","cause":"unavailable","callid":"1553672645.217","outbound":` + outLeg + `,` + sn + `}`}},
		{"no answer, no status", []event.Event{seedStart, {Kind: event.CallEnded, CallID: id, Cause: "no-answer"}},
			[]string{`{"action":"CallFailed","reason":"408 Request Timeout","cause":"no-answer","callid":"1553672645.217","outbound":` + outLeg + `,` + sn + `}`}},
		{"far end hangs up", []event.Event{seedStart, {Kind: event.CallAnswered, CallID: id}, {Kind: event.CallEnded, CallID: id, Cause: "remote-bye"}},
			[]string{`{"action":"ANSWERED",` + out + `,` + sn + `}`, `{"action":"BYE",` + out + `,"cause":"remote-bye",` + sn + `}`}},
		{"API hangs up", []event.Event{seedStart, {Kind: event.CallAnswered, CallID: id}, {Kind: event.CallEnded, CallID: id, Cause: "api"}},
			[]string{`{"action":"ANSWERED",` + out + `,` + sn + `}`, `{"action":"HANGUP",` + out + `,"cause":"api",` + sn + `}`}},
		{"IVR ends the call", []event.Event{seedStart, {Kind: event.CallAnswered, CallID: id}, {Kind: event.CallEnded, CallID: id, Cause: "normal"}},
			[]string{`{"action":"ANSWERED",` + out + `,` + sn + `}`, `{"action":"HANGUP",` + out + `,"cause":"normal",` + sn + `}`}},
		{"inbound rings and is answered", []event.Event{inStart, {Kind: event.CallRinging, CallID: inStart.CallID}, {Kind: event.CallAnswered, CallID: inStart.CallID}},
			[]string{`{"action":"RING",` + in + `,` + sn + `}`, `{"action":"ANSWERED",` + in + `,` + sn + `}`}},
		{"inbound caller gives up", []event.Event{inStart, {Kind: event.CallRinging, CallID: inStart.CallID}, {Kind: event.CallEnded, CallID: inStart.CallID, Cause: "cancel"}},
			[]string{`{"action":"RING",` + in + `,` + sn + `}`, `{"action":"BYE",` + in + `,"cause":"cancel",` + sn + `}`}},
		{"transfer to an IVR", []event.Event{seedStart, {Kind: event.CallTransferred, CallID: id, To: "6502"}, {Kind: event.PromptFinished, CallID: id}},
			[]string{`{"action":"Tranfer","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},{"ivr":{"ivrid":"6502"}}],` + sn + `}`,
				`{"action":"UserEvent","userevent":"PlayPromptEnd","ivrid":"6502",` + out + `,` + sn + `}`}},
		{"transfer to an account", []event.Event{seedStart, {Kind: event.CallTransferred, CallID: id, To: "1000"}},
			[]string{`{"action":"Tranfer","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},{"ext":{"extid":"1000"}}],` + sn + `}`}},
		{"transfer out through a trunk", []event.Event{seedStart, {Kind: event.CallAnswered, CallID: id},
			{Kind: event.CallTransferred, CallID: id, To: "13900000000", Trunk: "trunk1", Leg: "1553672645.230"},
			{Kind: event.CallEnded, CallID: id, Cause: "remote-bye"}},
			[]string{`{"action":"ANSWERED",` + out + `,` + sn + `}`,
				`{"action":"Tranfer","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},{"outbound":{"from":"500","to":"13900000000","trunk":"trunk1","outboundid":"1553672645.230"}}],` + sn + `}`,
				`{"action":"BYE","callid":"1553672645.217","call":[{"outbound":` + outLeg + `},{"outbound":{"from":"500","to":"13900000000","trunk":"trunk1","outboundid":"1553672645.230"}}],"cause":"remote-bye",` + sn + `}`}},
		{"string without #", []event.Event{seedStart, {Kind: event.DTMFDigit, CallID: id, Digit: "4", Flag: 0}, {Kind: event.DTMFString, CallID: id, Digits: "4"}},
			[]string{`{"action":"DTMF",` + out + `,"info":"4","flag":"0",` + sn + `}`,
				`{"action":"DTMF",` + out + `,"infos":"4",` + sn + `}`,
				`{"action":"UserEvent","userevent":"DtmfEndString","info":"4",` + out + `,` + sn + `}`}},
		{"unknown call", []event.Event{{Kind: event.DTMFDigit, CallID: "1.5", From: "100", Digit: "*", Flag: 3}, {Kind: event.CallEnded, CallID: "1.5", Cause: "remote-bye"}},
			[]string{`{"action":"DTMF","callid":"1.5","call":[{"inbound":{"from":"100","to":"","trunk":"","inboundid":"1.5"}}],"info":"*","flag":"3",` + sn + `}`,
				`{"action":"BYE","callid":"1.5","call":[{"inbound":{"from":"100","to":"","trunk":"","inboundid":"1.5"}}],"cause":"remote-bye",` + sn + `}`}},
		{"ignored kinds", []event.Event{seedStart, {Kind: event.IVRLeft, CallID: id}, {Kind: event.PromptSkipped, CallID: id}, {Kind: event.CallRinging}},
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

func TestMetadataDroppedAfterEnd(t *testing.T) {
	e := newEnv(t)
	e.api.handle(seedStart)
	e.api.handle(event.Event{Kind: event.CallEnded, CallID: seedStart.CallID, Cause: "remote-bye"})
	if n := len(e.api.meta); n != 0 {
		t.Fatalf("%d calls remembered after the end", n)
	}
	for i := range maxMeta + 10 {
		e.api.handle(event.Event{Kind: event.CallStarted, CallID: "c" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)})
	}
	if n := len(e.api.meta); n > maxMeta {
		t.Fatalf("%d calls remembered, bound %d", n, maxMeta)
	}
}

func TestHookReadsBusEvents(t *testing.T) {
	e := newEnv(t)
	bus := event.NewBus(nil)
	bus.Hook(e.api.Hook)
	start := event.Event{Kind: event.CallStarted, CallID: "1552976047.56", From: "6500", To: "10086", IVR: "6500"}
	// The fields the call core adds for this API, when event.Event has them.
	v := reflect.ValueOf(&start).Elem()
	hasExtra := false
	for name, val := range map[string]string{"Dir": dirOutbound, "Trunk": "192.168.9.121", "Leg": "1552976047.58"} {
		if f := v.FieldByName(name); f.IsValid() && f.Kind() == reflect.String {
			f.SetString(val)
			hasExtra = true
		}
	}
	bus.Publish(start)
	bus.Publish(event.Event{Kind: event.CallRinging, CallID: "1552976047.56"})
	bus.Publish(event.Event{Kind: event.APIControl, CallID: "1552976047.56"})
	got := e.out.Bodies()
	if len(got) != 1 {
		t.Fatalf("stored %d events, want 1: %v", len(got), got)
	}
	if hasExtra {
		checkBodies(t, got, seedAlert)
	} else if !strings.HasPrefix(got[0], `{"action":"RING","callid":"1552976047.56","call":[{"inbound":{"from":"6500","to":"10086"`) {
		t.Fatalf("without Dir: %s", got[0])
	}
}

func TestEnqueueFailureLogged(t *testing.T) {
	e := newEnv(t)
	e.out.err = errors.New("disk full")
	e.api.handle(seedStart)
	e.api.handle(event.Event{Kind: event.CallRinging, CallID: seedStart.CallID})
	if !strings.Contains(e.logs.String(), "disk full") {
		t.Fatalf("enqueue failure not logged:\n%s", e.logs.String())
	}
}

func TestNoEventsAfterClose(t *testing.T) {
	e := newEnv(t)
	e.api.handle(seedStart)
	e.api.Close()
	e.api.Hook(event.Event{Kind: event.CallRinging, CallID: seedStart.CallID})
	if got := e.out.Bodies(); len(got) != 0 {
		t.Fatalf("events after Close: %v", got)
	}
}
