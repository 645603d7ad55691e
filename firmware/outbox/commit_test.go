package outbox

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

func TestEnqueueDoesNotWaitForCommit(t *testing.T) {
	db := tempDB(t)
	o, g := newGated(t, db, testOptions("http://127.0.0.1:1/events"))
	enqueue(t, o, calls[0], `{"n": 0}`)
	if n := g.waitCommit(t); n != 1 {
		t.Fatalf("first batch %d events, want 1", n)
	}

	// The committer is inside a commit and stays there: Enqueue must return.
	const more = 100
	done := make(chan error, 1)
	go func() {
		for i := 1; i <= more; i++ {
			if err := o.Enqueue(calls[i%len(calls)], []byte(`{"n": `+strconv.Itoa(i)+`}`)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("Enqueue blocked while a commit was in progress")
	}
	if s := o.Stats(); s.Queued != more+1 || s.Pending != 0 {
		t.Errorf("during the commit: stats %+v, want %d queued, 0 pending", s, more+1)
	}

	g.next(t) // the first commit ends; the next one takes all the rest
	if n := g.waitCommit(t); n != more {
		t.Errorf("second batch %d events, want %d (one group commit)", n, more)
	}
	g.release()
	syncT(t, o)
	if s := o.Stats(); s.Queued != 0 || s.Pending != more+1 || count(t, db) != more+1 {
		t.Errorf("after the commits: stats %+v, %d stored", s, count(t, db))
	}
}

func TestOrderWithinCallAcrossBatches(t *testing.T) {
	app := &appServer{}
	srv := serve(t, app)
	db := tempDB(t)
	o, g := newGated(t, db, testOptions(srv.URL))

	// Batches of 1, 7, 3 and 12 events, cut while the calls interleave.
	var order []string
	want := map[string][]string{}
	n := 0
	add := func(k int) {
		for range k {
			c := calls[(n*7/3)%len(calls)]
			body := fmt.Sprintf(`{"call": %q, "n": %d}`, c, n)
			enqueue(t, o, c, body)
			order = append(order, body)
			want[c] = append(want[c], body)
			n++
		}
	}
	add(1)
	for _, k := range []int{7, 3, 12} {
		g.waitCommit(t)
		add(k)
		g.next(t)
	}
	if got := g.waitCommit(t); got != 12 {
		t.Errorf("last batch %d events, want 12", got)
	}
	g.release()
	syncT(t, o)

	ids, recs := storedEvents(t, db)
	for i, r := range recs {
		if ids[i] != uint64(i+1) || string(r.body) != order[i] {
			t.Errorf("stored #%d: id %d %s, want id %d %s", i, ids[i], r.body, i+1, order[i])
		}
	}
	if len(recs) != len(order) {
		t.Fatalf("%d stored, want %d", len(recs), len(order))
	}
	start(t, o)
	eventually(t, "all delivered", func() bool { return idle(o) })
	_, accepted := app.hits()
	checkAll(t, accepted, want)
}

func TestConcurrentEnqueue(t *testing.T) {
	db := tempDB(t)
	o := newT(t, db, testOptions("http://127.0.0.1:1/events"))
	const writers, each = 8, 200
	want := map[string][]string{}
	for w := range writers {
		c := "call-" + strconv.Itoa(w)
		for i := range each {
			want[c] = append(want[c], fmt.Sprintf(`{"call": %q, "n": %d}`, c, i))
		}
	}
	var wg sync.WaitGroup
	for c, bodies := range want {
		wg.Go(func() {
			for _, b := range bodies {
				if err := o.Enqueue(c, []byte(b)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var watchers sync.WaitGroup
	watchers.Go(func() { // Stats and Sync meanwhile, for the race detector
		for {
			select {
			case <-stop:
				return
			default:
			}
			if s := o.Stats(); s.Queued < 0 || s.Pending < 0 || s.Dropped != 0 {
				t.Errorf("stats %+v", s)
				return
			}
			syncT(t, o)
		}
	})
	wg.Wait()
	close(stop)
	watchers.Wait()
	syncT(t, o)

	// Every call's events are stored in its writer's order, ids increasing.
	ids, recs := storedEvents(t, db)
	got := map[string][]string{}
	for i, r := range recs {
		got[r.callID] = append(got[r.callID], string(r.body))
		if i > 0 && ids[i] <= ids[i-1] {
			t.Fatalf("ids out of order: %d after %d", ids[i], ids[i-1])
		}
	}
	for c, bodies := range want {
		if !slices.Equal(got[c], bodies) {
			t.Errorf("call %s stored %v\nwant %v", c, got[c], bodies)
		}
	}
	if s := o.Stats(); s.Pending != writers*each || s.Queued != 0 || len(recs) != writers*each {
		t.Errorf("stats %+v, %d stored; want %d pending", s, len(recs), writers*each)
	}
}

func TestCloseStoresTheQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ivrbox.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newGate()
	opts := testOptions("http://127.0.0.1:1/events")
	opts.beforeCommit = g.hook
	o, err := New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.release(); _ = o.Close() }) // if the test stops early
	want := seedEvents(calls, 5)
	enqueue(t, o, calls[0], want[calls[0]][0])
	g.waitCommit(t) // held: everything else stays in memory
	rest := map[string][]string{calls[0]: want[calls[0]][1:], calls[1]: want[calls[1]], calls[2]: want[calls[2]]}
	for i := 0; i < 5; i++ {
		for _, c := range calls {
			if i < len(rest[c]) {
				enqueue(t, o, c, rest[c][i])
			}
		}
	}
	if s := o.Stats(); s.Queued != 15 || s.Pending != 0 {
		t.Fatalf("before Close: stats %+v, want 15 queued", s)
	}
	closed := make(chan error, 1)
	go func() { closed <- o.Close() }()
	g.release()
	if err := <-closed; err != nil {
		t.Fatalf("Close = %v", err)
	}
	if s := o.Stats(); s.Queued != 0 || s.Pending != 15 {
		t.Errorf("after Close: stats %+v, want 15 pending", s)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// The file holds all of them; the next start delivers them in order.
	db2 := openDB(t, path)
	if n := count(t, db2); n != 15 {
		t.Fatalf("%d events in the file, want 15", n)
	}
	app := &appServer{}
	srv := serve(t, app)
	o2 := newT(t, db2, testOptions(srv.URL))
	if o2.Pending() != 15 {
		t.Fatalf("loaded %d, want 15", o2.Pending())
	}
	start(t, o2)
	eventually(t, "all delivered", func() bool { return idle(o2) })
	_, accepted := app.hits()
	checkAll(t, accepted, want)
}

func TestMaxPendingWithQueue(t *testing.T) {
	app := &appServer{}
	srv := serve(t, app)
	opts := testOptions(srv.URL)
	opts.MaxPending = 3
	db := tempDB(t)
	o, g := newGated(t, db, opts)

	enqueue(t, o, calls[0], `{"n": 0}`)
	g.waitCommit(t) // event 0 is being stored
	for i := 1; i <= 5; i++ {
		enqueue(t, o, calls[i%2], `{"n": `+strconv.Itoa(i)+`}`)
	}
	// The memory queue holds 3: events 1 and 2 were dropped there.
	if s := o.Stats(); s.Queued != 1+3 || s.Dropped != 2 {
		t.Fatalf("while storing: stats %+v, want 4 queued, 2 dropped", s)
	}
	g.release()
	syncT(t, o)
	// Storing 3, 4, 5 drops the stored 0: the newest 3 of all are kept.
	if s := o.Stats(); s.Pending != 3 || s.Queued != 0 || s.Dropped != 3 {
		t.Fatalf("stored: stats %+v, want 3 pending, 3 dropped", s)
	}
	_, recs := storedEvents(t, db)
	var bodies []string
	for _, r := range recs {
		bodies = append(bodies, string(r.body))
	}
	if want := []string{`{"n": 3}`, `{"n": 4}`, `{"n": 5}`}; !slices.Equal(bodies, want) {
		t.Errorf("stored %v, want %v", bodies, want)
	}
	start(t, o)
	eventually(t, "all delivered", func() bool { return idle(o) })
	if _, accepted := app.hits(); len(accepted) != 3 {
		t.Errorf("%d delivered, want 3", len(accepted))
	}
}

func TestFailedCommitRetried(t *testing.T) {
	var fail atomic.Int32
	fail.Store(2) // the first two commits fail
	opts := testOptions("http://127.0.0.1:1/events")
	opts.beforeCommit = func(int, int) {
		if fail.Add(-1) >= 0 {
			panic("disk on fire")
		}
	}
	db := tempDB(t)
	o := newT(t, db, opts)
	for i := range 4 {
		enqueue(t, o, calls[0], `{"n": `+strconv.Itoa(i)+`}`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	failed := 0
	for {
		err := o.Sync(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("never stored: %v", err)
		}
		failed++
	}
	if failed > 2 {
		t.Errorf("Sync failed %d times, want at most 2", failed)
	}
	_, recs := storedEvents(t, db)
	for i, r := range recs {
		if want := `{"n": ` + strconv.Itoa(i) + `}`; string(r.body) != want {
			t.Errorf("stored #%d = %s, want %s", i, r.body, want)
		}
	}
	if s := o.Stats(); len(recs) != 4 || s.Pending != 4 || s.Queued != 0 || s.Dropped != 0 {
		t.Errorf("stats %+v, %d stored; want 4 pending", s, len(recs))
	}
}

func TestCloseReportsLostEvents(t *testing.T) {
	opts := testOptions("http://127.0.0.1:1/events")
	var broken atomic.Bool
	opts.beforeCommit = func(int, int) {
		if broken.Load() {
			panic("disk gone")
		}
	}
	o := newT(t, tempDB(t), opts)
	broken.Store(true)
	enqueue(t, o, calls[0], `{}`)
	enqueue(t, o, calls[1], `{}`)
	err := o.Close()
	if err == nil {
		t.Fatal("Close = nil with a failing disk")
	}
	if s := o.Stats(); s.Queued != 0 || s.Dropped != 2 {
		t.Errorf("stats %+v, want 2 dropped", s)
	}
	if err := o.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestEnqueueAfterCloseOnClosedDatabase(t *testing.T) {
	db := tempDB(t)
	o := newT(t, db, testOptions("http://127.0.0.1:1/events"))
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Enqueue("c", []byte(`{}`)); !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		t.Errorf("Enqueue on a closed database = %v", err)
	}
}
