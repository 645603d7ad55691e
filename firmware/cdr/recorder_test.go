package cdr

import (
	"reflect"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// waitRecords polls until the store holds n records (generous timeout).
func waitRecords(t *testing.T, s *Store, n int) []Record {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := s.List(0, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%d records, want %d: %+v", len(got), n, got)
			}
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRecorderOneRecordPerCall(t *testing.T) {
	db, _ := openDB(t)
	s, _ := New(db, 0)
	bus := event.NewBus(nil)
	r := NewRecorder(s, bus, nil)
	defer r.Close()

	at := func(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }
	pub := func(e event.Event, sec int) { e.Time = at(sec); bus.Publish(e) }
	// Call a goes 6500 → 6501 (entered twice in a row: once listed) with keys 1, 5, 6, #.
	pub(event.Event{Kind: event.CallStarted, CallID: "a", Call: &event.Call{From: "1000", To: "6500"}}, 0)
	pub(event.Event{Kind: event.CallStarted, CallID: "b", Call: &event.Call{From: "1001", To: "6502"}}, 1)
	pub(event.Event{Kind: event.CallAnswered, CallID: "a"}, 2)
	pub(event.Event{Kind: event.IVREntered, CallID: "a", IVR: "6500"}, 2)
	pub(event.Event{Kind: event.DTMFDigit, CallID: "a", Digit: "1"}, 3)
	pub(event.Event{Kind: event.IVRLeft, CallID: "a", IVR: "6500"}, 3)
	pub(event.Event{Kind: event.IVREntered, CallID: "a", IVR: "6501"}, 3)
	pub(event.Event{Kind: event.IVREntered, CallID: "a", IVR: "6501"}, 4)
	for _, k := range []string{"5", "6", "#"} {
		pub(event.Event{Kind: event.DTMFDigit, CallID: "a", Digit: k}, 5)
	}
	pub(event.Event{Kind: event.DTMFString, CallID: "a", Digits: "56"}, 5)
	pub(event.Event{Kind: event.RecordingFinished, CallID: "a", Recording: &event.Recording{ID: "r1", Format: "stereo",
		Files: []string{"2026/12/02/a-r1.wav"}, Duration: 4.5, Bytes: 144044, Reason: "hangup"}}, 8)
	pub(event.Event{Kind: event.RecordingFinished, CallID: "a", Recording: &event.Recording{ID: "r2", Reason: "storage-full"}}, 8)
	pub(event.Event{Kind: event.CallEnded, CallID: "b", Call: &event.Call{From: "1001", To: "6502"}, Cause: "cancel"}, 6)
	pub(event.Event{Kind: event.CallEnded, CallID: "a", Call: &event.Call{From: "1000", To: "6500"}, Cause: "normal"}, 9)
	// Events of a call that started before the recorder are ignored until it ends.
	pub(event.Event{Kind: event.DTMFDigit, CallID: "old", Digit: "9"}, 10)
	pub(event.Event{Kind: event.CallEnded, CallID: "old", Call: &event.Call{From: "7", To: "6500"}, Cause: "normal"}, 11)

	got := waitRecords(t, s, 3)
	want := []Record{
		{ID: "old", From: "7", To: "6500", Started: at(11), Ended: at(11), Cause: "normal"},
		{ID: "b", From: "1001", To: "6502", Started: at(1), Ended: at(6), Cause: "cancel"},
		{ID: "a", From: "1000", To: "6500", Started: at(0), Answered: at(2), Ended: at(9), Cause: "normal",
			IVRs: []string{"6500", "6501"}, Digits: "156#", Recordings: []Recording{{ID: "r1", Format: "stereo",
				Files: []string{"2026/12/02/a-r1.wav"}, Duration: 4.5, Bytes: 144044, Reason: "hangup"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records:\n%+v\nwant\n%+v", got, want)
	}
}

func TestRecorderCloseWritesPending(t *testing.T) {
	db, _ := openDB(t)
	s, _ := New(db, 0)
	bus := event.NewBus(nil)
	r := NewRecorder(s, bus, nil)
	for n := range 300 { // more than one batch
		id := string(rune('a'+n%26)) + time.Duration(n).String()
		bus.Publish(event.Event{Kind: event.CallStarted, CallID: id})
		bus.Publish(event.Event{Kind: event.CallEnded, CallID: id, Cause: "normal"})
	}
	bus.Publish(event.Event{Kind: event.CallStarted, CallID: "still-up"})
	r.Close()
	r.Close() // idempotent
	if s.Len() != 300 {
		t.Errorf("%d records after Close, want 300", s.Len())
	}
	bus.Publish(event.Event{Kind: event.CallEnded, CallID: "still-up"}) // no panic, not recorded
	if s.Len() != 300 {
		t.Errorf("recorded after Close")
	}
}

func TestRecorderSweepsStaleCalls(t *testing.T) {
	db, _ := openDB(t)
	s, _ := New(db, 0)
	bus := event.NewBus(nil)
	r := NewRecorder(s, bus, nil)
	r.Close() // stop the goroutine; drive apply and sweep directly
	now := t0
	r.now = func() time.Time { return now }
	r.apply(event.Event{Kind: event.CallStarted, CallID: "lost", Time: t0})
	r.apply(event.Event{Kind: event.CallStarted, CallID: "long", Time: t0.Add(time.Hour)})
	now = t0.Add(staleAfter + time.Minute)
	r.sweep()
	if _, ok := r.calls["lost"]; ok || len(r.calls) != 1 {
		t.Errorf("calls after sweep: %v", r.calls)
	}
}
