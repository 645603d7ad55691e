package outbox

import (
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"

	"go.etcd.io/bbolt"
)

// removalsQueued returns the removals waiting for the committer.
func removalsQueued(o *Outbox) int {
	o.qmu.Lock()
	defer o.qmu.Unlock()
	return len(o.removals)
}

// storeHeld enqueues want into a gated outbox and lets commits through
// until all are being stored; the gate holds every later commit.
func storeHeld(t *testing.T, o *Outbox, g *gate, want map[string][]string) int {
	t.Helper()
	n := 0
	for i := 0; ; i++ {
		more := false
		for _, c := range calls {
			if i < len(want[c]) {
				enqueue(t, o, c, want[c][i])
				n++
				more = true
			}
		}
		if !more {
			break
		}
	}
	for stored := 0; stored < n; {
		w := g.waitWrite(t)
		if w.removals != 0 {
			t.Fatalf("a commit removes %d events before any delivery", w.removals)
		}
		stored += w.events
		g.next(t)
	}
	return n
}

// deliverHeld starts o and waits until the app server has every one of n
// events while the first commit removing them is held: the rest of the
// removals wait in memory. It returns that commit's size.
func deliverHeld(t *testing.T, o *Outbox, g *gate, app *appServer, n int) write {
	t.Helper()
	start(t, o)
	held := g.waitWrite(t)
	if held.events != 0 || held.removals == 0 {
		t.Fatalf("first commit after the deliveries: %+v, want removals only", held)
	}
	eventually(t, "every event delivered", func() bool { _, acc := app.hits(); return len(acc) == n })
	eventually(t, "the other removals queued", func() bool { return removalsQueued(o) == n-held.removals })
	return held
}

// TestDeliveryDoesNotWaitForRemoval: while the commit removing delivered
// events is held, the workers go on delivering, in order within each
// call and each event once; the removals then go in one commit.
func TestDeliveryDoesNotWaitForRemoval(t *testing.T) {
	app := &appServer{}
	srv := serve(t, app)
	db := tempDB(t)
	o, g := newGated(t, db, testOptions(srv.URL))
	want := seedEvents(calls, 5)
	n := storeHeld(t, o, g, want)
	held := deliverHeld(t, o, g, app, n)

	all, accepted := app.hits()
	checkAll(t, accepted, want)
	if len(all) != n {
		t.Errorf("%d requests for %d events: an event was sent twice", len(all), n)
	}
	if s := o.Stats(); s.Pending != n || s.Delivered != 0 || count(t, db) != n {
		t.Errorf("removals held: stats %+v, %d stored; want all %d pending", s, count(t, db), n)
	}
	g.release()
	eventually(t, "all removed", func() bool { return idle(o) })
	if s := o.Stats(); s.Delivered != uint64(n) || s.Dropped != 0 || count(t, db) != 0 {
		t.Errorf("after the removals: stats %+v, %d stored", s, count(t, db))
	}
	var writes []write
	for len(g.entered) > 0 {
		writes = append(writes, <-g.entered)
	}
	if want := []write{{0, n - held.removals}}; !slices.Equal(writes, want) {
		t.Errorf("commits after the held one: %v, want %v (one for all the removals queued)", writes, want)
	}
}

// TestRestartRedeliversUnremoved: a crash after deliveries whose removal
// was not yet committed loses nothing: the next start sends those events
// again, with the same ids and bodies, in order within each call.
func TestRestartRedeliversUnremoved(t *testing.T) {
	app := &appServer{}
	srv := serve(t, app)
	db := tempDB(t)
	o, g := newGated(t, db, testOptions(srv.URL))
	want := seedEvents(calls, 4)
	n := storeHeld(t, o, g, want)
	deliverHeld(t, o, g, app, n)

	// The crash: what the file holds now is all that survives.
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	if err := db.View(func(tx *bbolt.Tx) error { return tx.CopyFile(crashed, 0o600) }); err != nil {
		t.Fatal(err)
	}
	g.release()

	app2 := &appServer{}
	srv2 := serve(t, app2)
	o2 := newT(t, openDB(t, crashed), testOptions(srv2.URL))
	if o2.Pending() != n {
		t.Fatalf("after the crash pending = %d, want %d", o2.Pending(), n)
	}
	start(t, o2)
	eventually(t, "all delivered again", func() bool { return idle(o2) })
	_, first := app.hits()
	_, again := app2.hits()
	checkAll(t, again, want)
	byID := map[uint64]hit{}
	for _, h := range first {
		byID[h.id] = h
	}
	for _, h := range again {
		if f, ok := byID[h.id]; !ok || f.body != h.body || f.call != h.call {
			t.Errorf("id %d (%s) after the restart was not sent with that id before", h.id, h.body)
		}
	}
	if len(again) != n {
		t.Errorf("%d sent again, want %d", len(again), n)
	}
}

// TestCloseCommitsRemovals: Close removes the events delivered whose
// removal was still waiting; the next start has nothing to send.
func TestCloseCommitsRemovals(t *testing.T) {
	app := &appServer{}
	srv := serve(t, app)
	path := filepath.Join(t.TempDir(), "ivrbox.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, g := newGated(t, db, testOptions(srv.URL))
	want := seedEvents(calls, 3)
	n := storeHeld(t, o, g, want)
	deliverHeld(t, o, g, app, n)

	closed := make(chan error, 1)
	go func() { closed <- o.Close() }()
	g.release()
	if err := <-closed; err != nil {
		t.Fatalf("Close = %v", err)
	}
	if s := o.Stats(); s.Delivered != uint64(n) || s.Pending != 0 || s.Dropped != 0 {
		t.Errorf("after Close: stats %+v, want %d delivered", s, n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2 := openDB(t, path)
	if c := count(t, db2); c != 0 {
		t.Fatalf("%d events left in the file", c)
	}
	if o2 := newT(t, db2, testOptions(srv.URL)); o2.Pending() != 0 {
		t.Errorf("next start: %d pending", o2.Pending())
	}
}

// TestCloseCannotRemove: when Close's commit fails, the delivered events
// stay stored (not counted as dropped) and are sent again on the next
// start.
func TestCloseCannotRemove(t *testing.T) {
	app := &appServer{}
	srv := serve(t, app)
	db := tempDB(t)
	var broken atomic.Bool
	held := make(chan struct{}, 64)
	release := make(chan struct{})
	opts := testOptions(srv.URL)
	opts.beforeCommit = func(events, removals int) {
		if removals > 0 {
			held <- struct{}{}
			<-release
		}
		if broken.Load() {
			panic("disk gone")
		}
	}
	o := newT(t, db, opts)
	want := seedEvents(calls[:1], 3)
	n := enqueueAll(t, o, calls[:1], want)
	start(t, o)
	<-held // the first removal
	eventually(t, "every event delivered", func() bool { _, acc := app.hits(); return len(acc) == n })
	broken.Store(true)
	closed := make(chan error, 1)
	go func() { closed <- o.Close() }()
	close(release)
	if err := <-closed; err == nil {
		t.Fatal("Close = nil with a failing disk")
	}
	if s := o.Stats(); s.Pending != n || s.Delivered != 0 || s.Dropped != 0 {
		t.Errorf("after Close: stats %+v, want %d pending", s, n)
	}
	if c := count(t, db); c != n {
		t.Errorf("%d stored, want %d", c, n)
	}
	if o2 := newT(t, db, testOptions(srv.URL)); o2.Pending() != n {
		t.Errorf("next start: %d pending, want %d", o2.Pending(), n)
	}
}
