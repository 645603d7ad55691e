package outbox

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

var calls = []string{"1552976047.56", "1553672645.217", "1553672645.300"}

func TestDeliversEverythingInOrderPerCall(t *testing.T) {
	app := &appServer{}
	srv := serve(t, app)
	o := newT(t, tempDB(t), testOptions(srv.URL))
	want := seedEvents(calls, 20)
	n := enqueueAll(t, o, calls, want)
	start(t, o)
	eventually(t, "all delivered", func() bool { return idle(o) })
	_, accepted := app.hits()
	checkAll(t, accepted, want)
	if s := o.Stats(); s.Delivered != uint64(n) || s.Dropped != 0 || s.Pending != 0 || s.Queued != 0 {
		t.Errorf("stats = %+v, want %d delivered", s, n)
	}
	h := accepted[0].header
	if h.Get("Content-Type") != "application/json" || h.Get(HeaderTimestamp) == "" || h.Get(HeaderSignature) != "" {
		t.Errorf("headers %v", h)
	}
}

func TestServerUnavailableThenUp(t *testing.T) {
	var up atomic.Bool
	app := &appServer{answer: func(hit) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	}}
	srv := serve(t, app)
	o := newT(t, tempDB(t), testOptions(srv.URL))
	start(t, o)
	want := seedEvents(calls, 10)
	n := enqueueAll(t, o, calls, want)
	eventually(t, "retries", func() bool { return o.Stats().Retried >= 6 })
	if o.Pending() != n {
		t.Errorf("pending = %d while the server is down, want %d", o.Pending(), n)
	}
	up.Store(true)
	eventually(t, "all delivered", func() bool { return idle(o) })
	_, accepted := app.hits()
	checkAll(t, accepted, want)
	if len(accepted) != n {
		t.Errorf("%d events accepted, want %d", len(accepted), n)
	}
}

func TestListenerClosedThenReopened(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nobody listens: connection refused
	o := newT(t, tempDB(t), testOptions("http://"+addr+"/events"))
	start(t, o)
	want := seedEvents(calls, 5)
	enqueueAll(t, o, calls, want)
	eventually(t, "failed attempts", func() bool { return o.Stats().Retried >= 6 })

	var ln2 net.Listener
	eventually(t, "listening again on "+addr, func() bool {
		ln2, err = net.Listen("tcp", addr)
		return err == nil
	})
	app := &appServer{}
	srv := httptest.NewUnstartedServer(app)
	_ = srv.Listener.Close()
	srv.Listener = ln2
	srv.Start()
	t.Cleanup(srv.Close)
	eventually(t, "all delivered", func() bool { return idle(o) })
	_, accepted := app.hits()
	checkAll(t, accepted, want)
}

func TestTimeoutRetriesWithSameID(t *testing.T) {
	release := make(chan struct{})
	var slowed atomic.Int32
	app := &appServer{answer: func(h hit) int {
		if h.attempt == 1 && slowed.Add(1) <= 2 {
			<-release // answer 200 only after the client gave up
		}
		return http.StatusOK
	}}
	srv := serve(t, app)
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for handlers
	opts := testOptions(srv.URL)
	opts.Client = &http.Client{Timeout: 100 * time.Millisecond}
	o := newT(t, tempDB(t), opts)
	start(t, o)
	want := seedEvents(calls[:2], 3)
	enqueueAll(t, o, calls[:2], want)
	eventually(t, "all delivered", func() bool { return idle(o) })

	all, accepted := app.hits()
	seen := map[uint64]int{}
	for _, h := range all {
		seen[h.id]++
	}
	dups := 0
	for _, n := range seen {
		if n > 1 {
			dups++
		}
	}
	if dups == 0 {
		t.Fatalf("no event was sent twice: %v", seen)
	}
	checkAll(t, all, want) // deduplicated by id: each once, in order
	checkAll(t, accepted, want)
	if o.Stats().Retried == 0 {
		t.Error("Retried = 0")
	}
}

func TestPendingKeptAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ivrbox.db")
	down := &appServer{answer: func(hit) int { return http.StatusInternalServerError }}
	srvDown := serve(t, down)
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := New(db, testOptions(srvDown.URL))
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- o.Run(context.Background()) }()
	want := seedEvents(calls, 4)
	n := enqueueAll(t, o, calls, want)
	eventually(t, "a failed attempt", func() bool { all, _ := down.hits(); return len(all) > 0 })
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	app := &appServer{}
	srv := serve(t, app)
	o2 := newT(t, openDB(t, path), testOptions(srv.URL))
	if o2.Pending() != n {
		t.Fatalf("after restart pending = %d, want %d", o2.Pending(), n)
	}
	enqueue(t, o2, calls[0], `{"action": "HANGUP"}`)
	want[calls[0]] = append(want[calls[0]], `{"action": "HANGUP"}`)
	start(t, o2)
	eventually(t, "all delivered", func() bool { return idle(o2) })
	_, accepted := app.hits()
	checkAll(t, accepted, want)
	for _, h := range accepted {
		if h.id < 1 || h.id > uint64(n+1) || (h.body == `{"action": "HANGUP"}`) != (h.id == uint64(n+1)) {
			t.Errorf("unexpected id %d for %s (the event after the restart must be %d)", h.id, h.body, n+1)
		}
	}
}

func TestSlowServerDoesNotBlockEnqueue(t *testing.T) {
	o := newT(t, tempDB(t), Options{}) // only for shardOf
	slow, fast := calls[0], ""
	for _, c := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		if o.shardOf(c) != o.shardOf(slow) {
			fast = c
			break
		}
	}
	entered := make(chan struct{}, 100)
	release := make(chan struct{})
	app := &appServer{answer: func(h hit) int {
		if h.call == slow {
			entered <- struct{}{}
			<-release
		}
		return http.StatusOK
	}}
	srv := serve(t, app)
	var once atomic.Bool
	unblock := func() {
		if once.CompareAndSwap(false, true) {
			close(release)
		}
	}
	t.Cleanup(unblock)
	o = newT(t, tempDB(t), testOptions(srv.URL))
	start(t, o)
	enqueue(t, o, slow, `{"n": 0}`)
	select {
	case <-entered:
	case <-time.After(wait):
		t.Fatal("the server never got the first event")
	}

	// The handler is blocked: Enqueue must still return, for the slow call
	// and for others.
	done := make(chan error, 1)
	go func() {
		for i := range 20 {
			for _, c := range []string{slow, fast} {
				if err := o.Enqueue(c, []byte(`{"n": `+strconv.Itoa(i)+`}`)); err != nil {
					done <- err
					return
				}
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
		t.Fatal("Enqueue blocked while the app server was slow")
	}
	// Another call's events go through while the slow call is stuck.
	eventually(t, "the other call delivered", func() bool {
		_, accepted := app.hits()
		n := 0
		for _, h := range accepted {
			if h.call == fast {
				n++
			}
		}
		return n == 20
	})
	eventually(t, "only the slow call's 21 events pending", func() bool { return o.Pending() == 21 })
	unblock()
	eventually(t, "all delivered", func() bool { return idle(o) })
}

func TestNoURLKeepsNothing(t *testing.T) {
	var url atomic.Value
	url.Store("")
	db := tempDB(t)
	opts := testOptions("")
	opts.URL = func() string { return url.Load().(string) }
	o := newT(t, db, opts)
	err := o.Enqueue("c1", []byte(`{}`))
	if s := o.Stats(); err != nil || s.Pending != 0 || s.Queued != 0 {
		t.Fatalf("Enqueue = %v; stats %+v", err, s)
	}
	syncT(t, o)
	if n := count(t, db); n != 0 {
		t.Fatalf("%d records stored", n)
	}

	// The URL is removed while events wait: they are discarded.
	url.Store("http://127.0.0.1:1/never")
	enqueue(t, o, "c1", `{"n": 1}`)
	enqueue(t, o, "c2", `{"n": 2}`)
	syncT(t, o)
	url.Store("")
	start(t, o)
	eventually(t, "discarded", func() bool { return idle(o) })
	if s := o.Stats(); s.Dropped != 2 || s.Delivered != 0 {
		t.Errorf("stats = %+v", s)
	}
	if n := count(t, db); n != 0 {
		t.Errorf("%d records left", n)
	}
}

func TestMaxPendingDropsOldest(t *testing.T) {
	db := tempDB(t)
	app := &appServer{}
	srv := serve(t, app)
	opts := testOptions(srv.URL)
	opts.MaxPending = 3
	o := newT(t, db, opts)
	for i := range 5 {
		enqueue(t, o, calls[i%2], `{"n": `+strconv.Itoa(i)+`}`)
		syncT(t, o) // one commit each: the oldest are dropped from the file
	}
	if s := o.Stats(); s.Pending != 3 || s.Dropped != 2 {
		t.Fatalf("stats = %+v, want 3 pending, 2 dropped", s)
	}
	if n := count(t, db); n != 3 {
		t.Fatalf("%d records stored, want 3", n)
	}
	start(t, o)
	eventually(t, "all delivered", func() bool { return idle(o) })
	_, accepted := app.hits()
	var ids []uint64
	for _, h := range accepted {
		ids = append(ids, h.id)
	}
	if len(ids) != 3 || ids[0]+ids[1]+ids[2] != 3+4+5 {
		t.Errorf("delivered ids %v, want 3, 4, 5", ids)
	}
}

func TestCorruptRecordDroppedOnLoad(t *testing.T) {
	db := tempDB(t)
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, _ := tx.CreateBucket([]byte(Bucket))
		_ = b.Put(key(1), []byte{9, 9})
		_ = b.Put([]byte("short"), encode("c", []byte("{}")))
		_ = b.Put(key(3), encode("c", []byte(`{"ok": true}`)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	o := newT(t, db, testOptions("http://127.0.0.1:1"))
	if s := o.Stats(); s.Pending != 1 || s.Dropped != 2 {
		t.Fatalf("stats = %+v, want 1 pending, 2 dropped", s)
	}
}

func TestEnqueueErrors(t *testing.T) {
	o := newT(t, tempDB(t), testOptions("http://127.0.0.1:1"))
	if err := o.Enqueue("c", make([]byte, MaxBody+1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("large body: %v", err)
	}
	if err := o.Enqueue("c", make([]byte, MaxBody)); err != nil {
		t.Errorf("largest body: %v", err)
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil) succeeded")
	}
}

func TestRunAndCloseLifecycle(t *testing.T) {
	db := tempDB(t)
	o := newT(t, db, testOptions("http://127.0.0.1:1"))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- o.Run(ctx) }()
	eventually(t, "running", func() bool { o.life.Lock(); defer o.life.Unlock(); return o.running })
	if err := o.Run(ctx); err == nil {
		t.Error("second Run succeeded")
	}
	cancel()
	if err := <-errc; err != nil {
		t.Errorf("Run = %v", err)
	}
	for range 2 {
		if err := o.Close(); err != nil {
			t.Errorf("Close = %v", err)
		}
	}
	if err := o.Run(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close = %v", err)
	}
	// Enqueue after Close stores synchronously, for the next start.
	enqueue(t, o, "c", "{}")
	if s := o.Stats(); s.Pending != 1 || s.Queued != 0 || count(t, db) != 1 {
		t.Errorf("Enqueue after Close: stats %+v, %d stored", s, count(t, db))
	}
	if err := o.Sync(context.Background()); err != nil {
		t.Errorf("Sync after Close = %v", err)
	}
	o2 := newT(t, tempDB(t), Options{})
	if err := o2.Close(); err != nil { // never run
		t.Error(err)
	}
}

// count returns the number of stored records.
func count(t *testing.T, db *bbolt.DB) int {
	t.Helper()
	n := 0
	_ = db.View(func(tx *bbolt.Tx) error {
		n = tx.Bucket([]byte(Bucket)).Stats().KeyN
		return nil
	})
	return n
}
