package event

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestBatchServe: events published together reach the reader as one batch
// one window after the first, in order; a full batch drops and counts the
// rest; after Close the reader gets what is left, with last set, and stops.
func TestBatchServe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := NewBus(nil)
		sub := bus.SubscribeBatch(3)
		var mu sync.Mutex
		var got [][]string
		var lastSeen bool
		done := make(chan struct{})
		go func() {
			defer close(done)
			sub.Serve(100*time.Millisecond, func(evs []Event, last bool) {
				ids := []string{}
				for _, e := range evs {
					ids = append(ids, e.CallID)
				}
				mu.Lock()
				got, lastSeen = append(got, ids), last
				mu.Unlock()
			})
		}()
		for _, id := range []string{"a", "b", "c", "d"} {
			bus.Publish(Event{Kind: CallStarted, CallID: id})
		}
		time.Sleep(99 * time.Millisecond)
		synctest.Wait()
		mu.Lock()
		if len(got) != 0 {
			t.Fatalf("handed over before the window: %v", got)
		}
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		synctest.Wait()
		mu.Lock()
		if len(got) != 1 || len(got[0]) != 3 || got[0][0] != "a" || got[0][2] != "c" || lastSeen {
			t.Fatalf("first batch: %v last %v", got, lastSeen)
		}
		mu.Unlock()
		if sub.Dropped() != 1 {
			t.Errorf("dropped %d, want 1", sub.Dropped())
		}
		bus.Publish(Event{Kind: CallEnded, CallID: "e"})
		sub.Close()
		sub.Close()
		<-done
		bus.Publish(Event{Kind: CallEnded, CallID: "f"}) // after Close: nobody
		if len(got) != 2 || len(got[1]) != 1 || got[1][0] != "e" || !lastSeen {
			t.Fatalf("after close: %v last %v", got, lastSeen)
		}
	})
}
