package event

import (
	"testing"
)

func TestPublishOrderAndSeq(t *testing.T) {
	b := NewBus(nil)
	var hooked []uint64
	b.Hook(func(e Event) { hooked = append(hooked, e.Seq) })
	s := b.Subscribe(10)
	defer s.Close()
	for i := 0; i < 3; i++ {
		b.Publish(Event{Kind: DTMFDigit, CallID: "c1", Digit: "1", Flag: i})
	}
	for i := 0; i < 3; i++ {
		e := <-s.C()
		if e.Seq != uint64(i+1) || e.Flag != i || e.Time.IsZero() {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	if len(hooked) != 3 || hooked[2] != 3 {
		t.Fatalf("hooks saw %v", hooked)
	}
}

func TestSlowSubscriberNeverBlocks(t *testing.T) {
	b := NewBus(nil)
	s := b.Subscribe(1)
	for i := 0; i < 5; i++ {
		b.Publish(Event{Kind: CallStarted})
	}
	if s.Dropped() != 4 {
		t.Fatalf("dropped = %d, want 4", s.Dropped())
	}
	s.Close()
	s.Close() // idempotent
	b.Publish(Event{Kind: CallEnded})
	if _, ok := <-s.C(); !ok {
		t.Fatal("buffered event lost")
	}
	if _, ok := <-s.C(); ok {
		t.Fatal("channel not closed")
	}
}
