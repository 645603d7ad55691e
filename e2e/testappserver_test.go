// The core both test application servers are built on: the PBX API's
// (appServer) and the cloud IVR API's (cloudApp).

package e2e

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// testAppServer is what the tests' application servers share: an HTTP server
// on a fixed loopback address that can be taken down (the port closed) and
// brought back on the same port, made to answer 503 to the next n requests
// or to hold requests unanswered, and that records the requests (as E, which
// its user parses) and wakes its waiters on every change. Its user supplies
// the handler, which calls admit, record and ack.
type testAppServer[E any] struct {
	t       *testing.T
	name    string // in messages: "app server"
	addr    string // 127.0.0.1:port, kept across down and up
	path    string // the URL path the box posts to
	handler http.Handler

	mu      sync.Mutex     // guards the fields below
	srv     *http.Server   // nil while down
	wg      sync.WaitGroup // the Serve goroutine
	refuse  int            // answer 503 to this many more requests
	hang    chan struct{}  // when set, requests wait until it is closed (or the box gives up)
	all     []E            // every request, in arrival order
	acked   []E            // requests answered 2xx, in the order they were answered
	changed chan struct{}  // closed and renewed on every record and ack
}

// newTestAppServer makes a server on a free loopback port, not yet serving:
// start it with start.
func newTestAppServer[E any](t *testing.T, name, path string) *testAppServer[E] {
	t.Helper()
	return &testAppServer[E]{t: t, name: name, addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		path: path, changed: make(chan struct{})}
}

// start serves with handler until the test ends.
func (s *testAppServer[E]) start(handler http.HandlerFunc) {
	s.t.Helper()
	s.handler = handler
	s.up()
	s.t.Cleanup(s.down)
}

// url is the URL the box must post to.
func (s *testAppServer[E]) url() string { return "http://" + s.addr + s.path }

// up (re)starts serving on the same address.
func (s *testAppServer[E]) up() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return
	}
	ln, err := listenAgain(s.addr, 2*time.Second)
	if err != nil {
		s.t.Fatalf("%s: %v", s.name, err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
	s.srv = srv
	s.wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.t.Logf("%s: %v", s.name, err)
		}
	})
}

// listenAgain listens on addr, trying again every 20 ms for up to within: a
// port just closed may linger a moment before it can be bound again.
func listenAgain(addr string, within time.Duration) (net.Listener, error) {
	deadline := time.Now().Add(within)
	for {
		ln, err := net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			return ln, err
		}
		time.Sleep(20 * time.Millisecond) // a retry interval, not a wait for an event
	}
}

// down closes the port: the box's requests fail until up.
func (s *testAppServer[E]) down() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
	s.wg.Wait()
}

// refuseNext makes the server answer 503 to the next n requests.
func (s *testAppServer[E]) refuseNext(n int) {
	s.mu.Lock()
	s.refuse = n
	s.mu.Unlock()
}

// hangUp makes the server hold every request without an answer until the
// function returned is called (at the latest when the test ends); held
// requests then go on as usual.
func (s *testAppServer[E]) hangUp() (release func()) {
	ch := make(chan struct{})
	s.mu.Lock()
	s.hang = ch
	s.mu.Unlock()
	var once sync.Once
	release = func() {
		once.Do(func() {
			s.mu.Lock()
			s.hang = nil
			s.mu.Unlock()
			close(ch)
		})
	}
	s.t.Cleanup(release)
	return release
}

// admit applies hangUp and refuseNext to request r, parsed as e: it holds r
// while the server is hung up, and records e as not acked if the box gives
// up meanwhile; it answers 503 to a refused request and records e as not
// acked. It reports whether the handler should go on and answer r.
func (s *testAppServer[E]) admit(w http.ResponseWriter, r *http.Request, e E) bool {
	s.mu.Lock()
	hang := s.hang
	s.mu.Unlock()
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done(): // the box gave up: a failed attempt
			s.record(e, false)
			return false
		}
	}
	s.mu.Lock()
	refused := s.refuse > 0
	if refused {
		s.refuse--
	}
	s.mu.Unlock()
	if refused {
		s.record(e, false)
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return false
	}
	return true
}

// record keeps request e, and as answered 2xx if acked, and wakes the
// waiters.
func (s *testAppServer[E]) record(e E, acked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, e)
	if acked {
		s.acked = append(s.acked, e)
	}
	s.notifyLocked()
}

// ack keeps request e, recorded earlier as not acked, as answered 2xx and
// wakes the waiters.
func (s *testAppServer[E]) ack(e E) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.acked = append(s.acked, e)
	s.notifyLocked()
}

// notifyLocked wakes the waiters; s.mu must be held.
func (s *testAppServer[E]) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// requests returns every request received, refused and failed ones and
// repeats included.
func (s *testAppServer[E]) requests() []E {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]E(nil), s.all...)
}

// firstAcked returns the requests answered 2xx, the first of each key, in
// the order they were answered.
func (s *testAppServer[E]) firstAcked(key func(E) string) []E {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var out []E
	for _, e := range s.acked {
		if k := key(e); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// waitUntil waits until ok, checked now and after every change, holds; it
// reports false if d passed first.
func (s *testAppServer[E]) waitUntil(d time.Duration, ok func() bool) bool {
	deadline := time.After(d)
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if ok() {
			return true
		}
		select {
		case <-ch:
		case <-deadline:
			return false
		}
	}
}

// waitQuiet waits until no request arrived for quiet (at most d).
func (s *testAppServer[E]) waitQuiet(quiet, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-time.After(quiet):
			return
		}
	}
}
