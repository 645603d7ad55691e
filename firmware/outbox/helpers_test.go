package outbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"
)

// wait is how long tests wait for something that should happen soon.
const wait = 20 * time.Second

// openDB opens a bbolt file at path; it is closed when the test ends.
func openDB(t testing.TB, path string) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func tempDB(t testing.TB) *bbolt.DB {
	return openDB(t, filepath.Join(t.TempDir(), "ivrbox.db"))
}

// testOptions delivers to url with short back-off.
func testOptions(url string) Options {
	return Options{
		URL:       func() string { return url },
		BaseDelay: 5 * time.Millisecond,
		MaxDelay:  50 * time.Millisecond,
		Client:    &http.Client{Timeout: 5 * time.Second},
	}
}

// newT returns an outbox on db, not running; it is closed when the test ends.
func newT(t testing.TB, db *bbolt.DB, opts Options) *Outbox {
	t.Helper()
	o, err := New(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = o.Close() })
	return o
}

// start runs o until the test ends (or o is closed).
func start(t testing.TB, o *Outbox) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- o.Run(context.Background()) }()
	t.Cleanup(func() {
		_ = o.Close()
		if err := <-errc; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
}

func enqueue(t testing.TB, o *Outbox, call string, body string) {
	t.Helper()
	if err := o.Enqueue(call, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// syncT waits until everything enqueued so far is stored.
func syncT(t testing.TB, o *Outbox) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := o.Sync(ctx); err != nil {
		t.Fatalf("Sync = %v", err)
	}
}

// idle reports whether o holds no event, in memory or stored.
func idle(o *Outbox) bool {
	s := o.Stats()
	return s.Queued == 0 && s.Pending == 0
}

// gate holds the committer in each commit (its hook is Options.beforeCommit)
// until the test lets it go: the commit's size is sent on entered, then the
// commit waits for one value on step, or for open to be closed.
type gate struct {
	entered chan write
	step    chan struct{}
	open    chan struct{}
	once    sync.Once
}

// write is the size of one commit: events stored, events removed.
type write struct{ events, removals int }

// newGate returns a closed gate.
func newGate() *gate {
	return &gate{entered: make(chan write, 1024), step: make(chan struct{}), open: make(chan struct{})}
}

// newGated is newT with commits held by a new gate, which is opened when
// the test ends, before the outbox is closed.
func newGated(t testing.TB, db *bbolt.DB, opts Options) (*Outbox, *gate) {
	t.Helper()
	g := newGate()
	opts.beforeCommit = g.hook
	o := newT(t, db, opts)
	t.Cleanup(g.release)
	return o, g
}

func (g *gate) hook(events, removals int) {
	select {
	case g.entered <- write{events, removals}:
	default: // nobody counts commits any more
	}
	select {
	case <-g.step:
	case <-g.open:
	}
}

// release lets every commit through from now on.
func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// next lets the held commit through.
func (g *gate) next(t testing.TB) {
	t.Helper()
	select {
	case g.step <- struct{}{}:
	case <-time.After(wait):
		t.Fatal("no commit to let through")
	}
}

// waitCommit waits until the committer is in a commit and returns the
// number of events it stores.
func (g *gate) waitCommit(t testing.TB) int {
	t.Helper()
	return g.waitWrite(t).events
}

// waitWrite waits until the committer is in a commit and returns its size.
func (g *gate) waitWrite(t testing.TB) write {
	t.Helper()
	select {
	case w := <-g.entered:
		return w
	case <-time.After(wait):
		t.Fatal("the committer never started a commit")
		return write{}
	}
}

// storedEvents returns the stored events in id order.
func storedEvents(t testing.TB, db *bbolt.DB) (ids []uint64, recs []record) {
	t.Helper()
	err := db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(Bucket)).ForEach(func(k, v []byte) error {
			id, err := idOf(k)
			if err != nil {
				return err
			}
			r, err := decode(v)
			if err != nil {
				return err
			}
			r.body = bytes.Clone(r.body)
			ids, recs = append(ids, id), append(recs, r)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids, recs
}

// eventually waits for cond, failing the test after wait.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// hit is one request the app server saw.
type hit struct {
	id      uint64
	call    string
	body    string
	attempt int
	header  http.Header
}

// appServer records requests; answer decides each status (nil: 200).
type appServer struct {
	mu       sync.Mutex
	all      []hit // every request
	accepted []hit // requests answered 2xx, in answer order
	answer   func(h hit) int
}

func (a *appServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, _ := strconv.ParseUint(r.Header.Get(HeaderEventID), 10, 64)
	attempt, _ := strconv.Atoi(r.Header.Get(HeaderAttempt))
	h := hit{id: id, call: r.Header.Get(HeaderCallID), body: string(body), attempt: attempt, header: r.Header.Clone()}
	a.mu.Lock()
	a.all = append(a.all, h)
	answer := a.answer
	a.mu.Unlock()
	status := 200
	if answer != nil {
		status = answer(h)
	}
	if status >= 200 && status < 300 {
		a.mu.Lock()
		a.accepted = append(a.accepted, h)
		a.mu.Unlock()
	}
	w.WriteHeader(status)
}

func (a *appServer) hits() (all, accepted []hit) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.all), slices.Clone(a.accepted)
}

// serve starts a on 127.0.0.1; it is closed when the test ends.
func serve(t testing.TB, a *appServer) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(a)
	t.Cleanup(s.Close)
	return s
}

// unique returns the accepted hits with one per id (the first), failing if
// two hits with the same id differ.
func unique(t *testing.T, hits []hit) []hit {
	t.Helper()
	seen := map[uint64]hit{}
	var out []hit
	for _, h := range hits {
		if prev, ok := seen[h.id]; ok {
			if prev.body != h.body || prev.call != h.call {
				t.Errorf("id %d seen with %q/%q and %q/%q", h.id, prev.call, prev.body, h.call, h.body)
			}
			continue
		}
		seen[h.id] = h
		out = append(out, h)
	}
	return out
}

// checkAll checks that hits hold exactly want (call -> bodies in order)
// once each, in order within each call.
func checkAll(t *testing.T, hits []hit, want map[string][]string) {
	t.Helper()
	got := map[string][]string{}
	for _, h := range unique(t, hits) {
		got[h.call] = append(got[h.call], h.body)
	}
	for call, bodies := range want {
		if !slices.Equal(got[call], bodies) {
			t.Errorf("call %s got %v\nwant %v", call, got[call], bodies)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got calls %v, want %d calls", got, len(want))
	}
}

// seedEvents returns n PBX-style DTMF events for each call.
func seedEvents(calls []string, n int) map[string][]string {
	out := map[string][]string{}
	for _, c := range calls {
		for i := range n {
			out[c] = append(out[c], fmt.Sprintf(
				`{"action": "DTMF", "callid": %q, "info": "%d", "flag": "%d", "sn": "368182384620"}`, c, i%10, i))
		}
	}
	return out
}

// enqueueAll enqueues want interleaving the calls and waits until they are
// stored, returning the number.
func enqueueAll(t testing.TB, o *Outbox, calls []string, want map[string][]string) int {
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
			syncT(t, o)
			return n
		}
	}
}
