package config

import (
	"reflect"
	"testing"
	"time"
)

func TestAccessorsZero(t *testing.T) {
	var i IVR
	i.Number = "7000"
	var c Collect
	var s System
	got := []any{
		s.DisplayName(), s.CallLimit(),
		i.DisplayName(), i.RingTime(), i.Rounds(), i.DigitWait(), i.FirstKeyWait(), i.TimeoutAction(), i.InvalidAction(),
		c.Min(), c.Max(), c.Term(), c.AfterAction(),
	}
	want := []any{
		"ivrbox", 4000,
		"7000", time.Duration(0), 1, 3 * time.Second, time.Duration(0), Action{Type: ActHangup}, Action{Type: ActRepeat},
		1, 32, "#", Action{Type: ActRepeat},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("zero accessors = %v, want %v", got, want)
	}
}

func TestAccessorsSet(t *testing.T) {
	to := Action{Type: ActIVR, Target: "1"}
	i := IVR{Number: "7000", Name: "Menu", RingSeconds: 2, Repeat: 5, DigitTimeout: 7, WaitSeconds: 9, Timeout: to, Invalid: to}
	c := Collect{MinLen: 4, MaxLen: 6, Terminator: "*", After: to}
	s := System{Name: "box", MaxCalls: 10}
	got := []any{
		s.DisplayName(), s.CallLimit(),
		i.DisplayName(), i.RingTime(), i.Rounds(), i.DigitWait(), i.FirstKeyWait(), i.TimeoutAction(), i.InvalidAction(),
		c.Min(), c.Max(), c.Term(), c.AfterAction(),
	}
	want := []any{
		"box", 10,
		"Menu", 2 * time.Second, 5, 7 * time.Second, 9 * time.Second, to, to,
		4, 6, "*", to,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("accessors = %v, want %v", got, want)
	}
}

func TestIVRLookup(t *testing.T) {
	c := Defaults()
	if i, ok := c.IVR("6502"); !ok || i.Name != "Booking confirmed" {
		t.Errorf("IVR(6502) = %+v, %v", i, ok)
	}
	if _, ok := c.IVR("9999"); ok {
		t.Error("IVR(9999) found")
	}
}

func TestClone(t *testing.T) {
	c := Defaults()
	d := c.Clone()
	if !reflect.DeepEqual(c, d) {
		t.Fatal("clone differs")
	}
	d.IVRs[0].Prompts[0] = "x"
	d.IVRs[0].Keys["2"] = Action{Type: ActHangup}
	d.IVRs[1].Collect.HoldPrompts[0] = "x"
	d.IVRs[1].Collect.MaxLen = 3
	if !reflect.DeepEqual(c, Defaults()) {
		t.Error("changing the clone changed the original")
	}
	var empty Config
	if e := empty.Clone(); e.IVRs != nil {
		t.Error("clone of nil IVRs is not nil")
	}
	// Step settings and Next chains are copied too.
	next := Action{Type: ActIVR, Target: "6502"}
	c.IVRs[0].Keys["3"] = Action{Type: ActAPI, API: &APIStep{Key: "k"}, Next: &next}
	c.IVRs[0].Timeout = Action{Type: ActRecord, Record: &RecordStep{MaxSeconds: 9}}
	d = c.Clone()
	d.IVRs[0].Keys["3"].API.Key = "changed"
	d.IVRs[0].Keys["3"].Next.Target = "6503"
	d.IVRs[0].Timeout.Record.MaxSeconds = 1
	if c.IVRs[0].Keys["3"].API.Key != "k" || next.Target != "6502" || c.IVRs[0].Timeout.Record.MaxSeconds != 9 {
		t.Error("changing a clone's step settings changed the original")
	}
	// Cloud settings and tokens too.
	fb := Action{Type: ActIVR, Target: "6502"}
	c.IVRs[0].Cloud = &CloudIVR{Hold: []string{"moh"}, Next: Action{Type: ActAPI, API: &APIStep{Key: "k"}}, Fallback: fb}
	c.Cloud.Tokens = []CloudToken{{ID: "t1", APIs: []string{APICloud, APIWS}}}
	d = c.Clone()
	d.IVRs[0].Cloud.Hold[0], d.IVRs[0].Cloud.Next.API.Key, d.IVRs[0].Cloud.Idle = "x", "changed", 5
	d.Cloud.Tokens[0].ID, d.Cloud.Tokens[0].APIs[1] = "t2", "changed"
	if cl := c.IVRs[0].Cloud; cl.Hold[0] != "moh" || cl.Next.API.Key != "k" || cl.Idle != 0 || c.Cloud.Tokens[0].ID != "t1" ||
		c.Cloud.Tokens[0].APIs[1] != APIWS {
		t.Error("changing a clone's cloud settings changed the original")
	}
	// An API-control step's Fallback, and the steps in it.
	fbNext := Action{Type: ActHangup}
	fbStep := Action{Type: ActRecord, Record: &RecordStep{MaxSeconds: 9}, Next: &fbNext}
	c.IVRs[0].Keys["4"] = Action{Type: ActAPI, API: &APIStep{Name: "n", ID: 7, Fallback: &fbStep}}
	d = c.Clone()
	dfb := d.IVRs[0].Keys["4"].API.Fallback
	d.IVRs[0].Keys["4"].API.Name, dfb.Record.MaxSeconds, dfb.Next.Type = "changed", 1, ActRepeat
	if a := c.IVRs[0].Keys["4"].API; a.Name != "n" || a.ID != 7 || a.Fallback != &fbStep || fbStep.Record.MaxSeconds != 9 ||
		fbNext.Type != ActHangup {
		t.Error("changing a clone's fallback changed the original")
	}
}
