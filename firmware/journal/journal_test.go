package journal

import (
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/xmlivr"
)

func openDB(t *testing.T, path string) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestJournal: an answered call is in the journal until it ends; after a
// "crash" (the journal closed with the call live), Recover hands its last
// snapshot on once, with the application server that steered it (a cloud
// IVR's, an XML IVR's, none once the call left the XML IVR), and leaves
// the journal empty.
func TestJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "box.db")
	db := openDB(t, path)
	j, err := Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := j.Recover(func(Entry) { t.Error("a fresh journal recovered a call") }); n != 0 || err != nil {
		t.Fatalf("Recover on a fresh journal: %d %v", n, err)
	}
	bus := event.NewBus(nil)
	j.Start(bus)
	started := time.Now().Add(-time.Minute).Truncate(time.Second)
	snap := func(ivr string) *event.Call {
		return &event.Call{ID: "c1", From: "1000", To: "6500", IVR: ivr, State: event.StateAnswered,
			Started: started, Answered: started.Add(time.Second)}
	}
	bus.Publish(event.Event{Kind: event.CallStarted, CallID: "c2", Call: &event.Call{ID: "c2"}}) // never answered: not journaled
	bus.Publish(event.Event{Kind: event.CallAnswered, CallID: "c1", Call: snap("6500")})
	bus.Publish(event.Event{Kind: event.IVREntered, CallID: "c1", Call: snap("6501"), IVR: "6501"})
	bus.Publish(event.Event{Kind: event.ControlOffered, CallID: "c1", Control: &event.Control{Key: "cloud", Step: "cloud", Params: "6501"}})
	bus.Publish(event.Event{Kind: event.CallAnswered, CallID: "c3", Call: &event.Call{ID: "c3"}})
	bus.Publish(event.Event{Kind: event.CallEnded, CallID: "c3", Call: &event.Call{ID: "c3"}})
	// c4 ran an XML application, c5 did but moved on to a plain IVR.
	for _, id := range []string{"c4", "c5"} {
		bus.Publish(event.Event{Kind: event.CallAnswered, CallID: id, Call: &event.Call{ID: id, IVR: "6601"}})
		bus.Publish(event.Event{Kind: xmlivr.EventStarted, CallID: id, IVR: "6601"})
	}
	bus.Publish(event.Event{Kind: event.IVRLeft, CallID: "c5", IVR: "6601"})
	j.Close()
	j.Close() // idempotent
	db.Close()

	db = openDB(t, path)
	defer db.Close()
	j, err = Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []Entry
	if n, err := j.Recover(func(c Entry) { got = append(got, c) }); n != 3 || err != nil {
		t.Fatalf("Recover: %d %v", n, err)
	}
	if c := got[0]; c.ID != "c1" || c.IVR != "6501" || !c.Started.Equal(started) || c.Answered.IsZero() ||
		c.App != AppCloud || c.AppIVR != "6501" {
		t.Fatalf("recovered %+v", c)
	}
	if c := got[1]; c.ID != "c4" || c.App != AppXML || c.AppIVR != "6601" {
		t.Fatalf("recovered %+v, want c4 with its XML application", c)
	}
	if c := got[2]; c.ID != "c5" || c.App != "" {
		t.Fatalf("recovered %+v, want c5 with no application (it left the XML IVR)", c)
	}
	if n, _ := j.Recover(func(Entry) {}); n != 0 {
		t.Fatalf("a second Recover found %d calls", n)
	}
}
