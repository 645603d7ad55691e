package ws

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzParseFrame: any text is parsed or refused with an Error, never a
// panic; a parsed frame has a name and an object, and its qid is a number
// or a string.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{
		`["ivrapi_accept", {"qid": 0.1234, "key": "abc", "ivrid": "rDlg-006-Sm41ll"}]`,
		`["ivrapi_component_apply", {"qid": 1, "key": "abc", "ivrid": "x", "data": {"oType": 208, "recTimeSec": "10"}}]`,
		`["subscribe", {"qid": "q", "events": ["ivrevents.*"], "expires": 60, "id": 5}]`,
		`["x", {"qid": null}]`, `["x", {"qid": {}}]`, `[1, {}]`, `["a"]`, `[]`, `{}`, `"x"`, ``, `["a", [1]]`,
		`["a", {"qid": 1e400}]`, "[\"a\", {\"qid\": \"\xff\"}]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, e := parseFrame(data)
		if e != nil {
			if e.Code == 0 || e.Message == "" {
				t.Fatalf("error without code or message: %+v", e)
			}
			return
		}
		if fr.name == "" || len(fr.body) == 0 || fr.body[0] != '{' {
			t.Fatalf("parsed frame without name or object: %+v", fr)
		}
		if len(fr.qid) > 0 && !json.Valid(fr.qid) {
			t.Fatalf("qid %q is not JSON", fr.qid)
		}
		// Whatever the request, the answer encodes.
		var out any
		if err := json.Unmarshal(encode(fr.name+resultSuffix, map[string]any{"qid": rawOrNull(fr.qid)}), &out); err != nil {
			t.Fatalf("answer does not encode: %v", err)
		}
	})
}

// FuzzComponentData: any data object is planned or refused with an Error.
func FuzzComponentData(f *testing.F) {
	for _, s := range []string{
		`{"oType": 204, "mode": 0, "file": ":GS_PUB/x/y/14.mp3"}`,
		`{"oType": 208, "recTimeSec": "10", "maxSymbolCount": "3", "interruptSymbols": "4, 5, 6", "abortOnSilence": 0}`,
		`{"oType": 203, "number": "13", "reinviteMode": 2}`, `{"oType": 201}`,
		`{"oType": 206, "timeoutSec": 5, "interruptSymbols": "#", "clearDtmfBuffer": "1"}`,
		`{"oType": "204", "file": ["a.wav", "b.wav"], "mode": 7, "loop": -1}`, `{"oType": 1e9}`, `{"oType": -5}`,
		`{"oType": 204, "file": ":TEMP/../../etc/passwd"}`, `{"oType": 204, "file": "silent.wav"}`,
	} {
		f.Add([]byte(s))
	}
	c := &conn{a: New(Options{Files: fakeFiles{}, Prompts: fakePrompts{}}), ctx: context.Background()}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d compData
		if json.Unmarshal(data, &d) != nil {
			return
		}
		p, e := c.plan(d, &step{temp: "t"})
		if e != nil {
			if e.Code == 0 || e.Reason == "" {
				t.Fatalf("refusal without code or reason: %+v", e)
			}
			return
		}
		if p.cmd == nil && p.oType != OTypeHangup && p.oType != OTypeTransfer {
			t.Fatalf("oType %d planned without a command", p.oType)
		}
	})
}
