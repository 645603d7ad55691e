package outbox

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestQueueAgeAndLatency: while the app server is down the oldest event's
// age grows with the clock; once it is up the latency of each delivery,
// from Enqueue to the 2xx answer, is recorded and the age drops to 0.
func TestQueueAgeAndLatency(t *testing.T) {
	var up atomic.Bool
	app := &appServer{answer: func(hit) int {
		if up.Load() {
			return http.StatusOK
		}
		return http.StatusServiceUnavailable
	}}
	srv := serve(t, app)
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	var mu sync.Mutex
	var seen []time.Duration
	opts := testOptions(srv.URL)
	opts.Now = clock.Now
	opts.Latency = func(d time.Duration) { mu.Lock(); seen = append(seen, d); mu.Unlock() }
	o := newT(t, tempDB(t), opts)
	if st := o.Stats(); st.OldestAge != 0 || st.LastLatency != 0 {
		t.Fatalf("empty outbox: age %v, latency %v", st.OldestAge, st.LastLatency)
	}
	enqueue(t, o, "a", `{"n":1}`)
	clock.add(2 * time.Second)
	enqueue(t, o, "b", `{"n":2}`)
	if age := o.Stats().OldestAge; age != 2*time.Second { // still in the memory queue
		t.Errorf("age before storing = %v, want 2s", age)
	}
	syncT(t, o)
	start(t, o)
	eventually(t, "retries", func() bool { return o.Stats().Retried >= 2 })
	clock.add(8 * time.Second)
	if st := o.Stats(); st.OldestAge != 10*time.Second || st.LastLatency != 0 {
		t.Errorf("server down: age %v (want 10s), latency %v (want 0)", st.OldestAge, st.LastLatency)
	}
	up.Store(true)
	eventually(t, "all delivered", func() bool { return idle(o) })
	st := o.Stats()
	if st.OldestAge != 0 {
		t.Errorf("age after delivery = %v, want 0", st.OldestAge)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || st.LastLatency != seen[len(seen)-1] {
		t.Fatalf("latencies %v, last %v", seen, st.LastLatency)
	}
	for _, d := range seen {
		if d != 10*time.Second && d != 8*time.Second { // event a waited 10 s, b 8 s
			t.Errorf("latency %v, want 10s or 8s", d)
		}
	}
}

// TestAgeOfEventsStoredBeforeRestart: events read back from the database
// count their age from New, the stored record keeping no enqueue time.
func TestAgeOfEventsStoredBeforeRestart(t *testing.T) {
	db := tempDB(t)
	clock := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	opts := testOptions("http://127.0.0.1:1/")
	opts.Now = clock.Now
	o := newT(t, db, opts)
	enqueue(t, o, "a", `{}`)
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Hour)
	o = newT(t, db, opts)
	clock.add(3 * time.Second)
	if age := o.Stats().OldestAge; age != 3*time.Second {
		t.Errorf("age after restart = %v, want 3s (since New)", age)
	}
}
