package config

import (
	"encoding/json"
	"hash/fnv"
	"testing"
)

// TestComponentID: a set ID wins; otherwise the number is derived from the
// IVR's number and the key (the number when empty), stays in 1–99999, is
// the same on every call, and Step fills it in.
func TestComponentID(t *testing.T) {
	derive := func(s string) int {
		h := fnv.New32a()
		h.Write([]byte(s))
		return 1 + int(h.Sum32()%99999)
	}
	tests := []struct {
		step   APIStep
		number string
		want   int
	}{
		{APIStep{ID: 14}, "6500", 14},
		{APIStep{ID: 14, Key: "abc"}, "6500", 14},
		{APIStep{Key: "abc"}, "6500", derive("6500/abc")},
		{APIStep{}, "6500", derive("6500/6500")},
		{APIStep{Key: "6500"}, "6500", derive("6500/6500")}, // the default key, spelt out
		{APIStep{Key: "abc"}, "6501", derive("6501/abc")},
	}
	for _, tt := range tests {
		got := tt.step.ComponentID(tt.number)
		if got != tt.want || got < 1 || (tt.step.ID == 0 && got > 99999) {
			t.Errorf("%+v.ComponentID(%q) = %d, want %d", tt.step, tt.number, got, tt.want)
		}
		if again := tt.step.ComponentID(tt.number); again != got {
			t.Errorf("%+v: %d then %d", tt.step, got, again)
		}
		a := Action{Type: ActAPI, API: &tt.step}
		if s := a.Step(tt.number); s.ID != tt.want {
			t.Errorf("Step(%q).ID = %d, want %d", tt.number, s.ID, tt.want)
		}
	}
	if (APIStep{Key: "abc"}).ComponentID("6500") == (APIStep{Key: "abd"}).ComponentID("6500") {
		t.Error("two keys of one IVR derive the same id")
	}
	if s := (Action{Type: ActAPI}).Step("6500"); s.Key != "6500" || s.Timeout != DefaultAPITimeout || s.ID != derive("6500/6500") {
		t.Errorf("Step of the zero settings = %+v", s)
	}
}

// TestFallbackAction: an API-control step's Fallback, else its Next, else
// hang up.
func TestFallbackAction(t *testing.T) {
	next, fb := Action{Type: ActIVR, Target: "6502"}, Action{Type: ActTransfer, Target: "100"}
	tests := []struct {
		act  Action
		want Action
	}{
		{Action{Type: ActAPI}, Action{Type: ActHangup}},
		{Action{Type: ActAPI, Next: &next}, next},
		{Action{Type: ActAPI, API: &APIStep{Key: "k"}, Next: &next}, next},
		{Action{Type: ActAPI, API: &APIStep{Fallback: &fb}, Next: &next}, fb},
		{Action{Type: ActAPI, API: &APIStep{Fallback: &fb}}, fb},
	}
	for _, tt := range tests {
		if got := tt.act.FallbackAction(); got.Type != tt.want.Type || got.Target != tt.want.Target {
			t.Errorf("%+v.FallbackAction() = %+v, want %+v", tt.act, got, tt.want)
		}
	}
}

// TestAPIStepJSON: the new fields' names, left out when zero.
func TestAPIStepJSON(t *testing.T) {
	fb := Action{Type: ActIVR, Target: "6502"}
	b, err := json.Marshal(Action{Type: ActAPI, API: &APIStep{Key: "abc", Name: "Внешнее управление 3", ID: 14, Fallback: &fb}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"api","api":{"key":"abc","name":"Внешнее управление 3","id":14,"fallback":{"type":"ivr","target":"6502"}}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	if b, _ := json.Marshal(APIStep{Key: "abc"}); string(b) != `{"key":"abc"}` {
		t.Errorf("zero fields shown: %s", b)
	}
	var back Action
	if err := json.Unmarshal([]byte(want), &back); err != nil || back.API.Name != "Внешнее управление 3" || back.API.ID != 14 ||
		back.API.Fallback == nil || *back.API.Fallback != fb {
		t.Errorf("round trip: %+v %v", back.API, err)
	}
}
