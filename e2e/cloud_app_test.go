// The application server of the cloud IVR tests: it receives the box's
// events (and can be down, or refuse the first deliveries with 503), and a
// separate HTTP server of media URLs, good and bad.

package e2e

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
)

// cloudEvent is one event POSTed by the box.
type cloudEvent struct {
	ID      string         // X-Ivrbox-Event-Id
	CallHdr string         // X-Ivrbox-Call-Id
	Attempt string         // X-Ivrbox-Attempt
	Body    string         // the raw body
	M       map[string]any // the body, numbers as json.Number
	At      time.Time      // when it arrived
	Acked   bool           // answered 2xx
}

// str returns the body's key as a string (a json.Number as written).
func (e cloudEvent) str(key string) string {
	if n, ok := e.M[key].(json.Number); ok {
		return n.String()
	}
	return anyStr(e.M[key])
}

// name is the event's eventName.
func (e cloudEvent) name() string { return e.str("eventName") }

// cloudApp is the application server: it records every request on its
// callback URL. It can be taken down (the port closed) and brought back on
// the same port (up, down), made to answer 503 to the next n requests
// (refuseNext) and to hold requests unanswered (hangUp).
type cloudApp struct {
	*testAppServer[cloudEvent]
}

// newCloudApp starts the application server on a free loopback port.
func newCloudApp(t *testing.T) *cloudApp {
	t.Helper()
	a := &cloudApp{newTestAppServer[cloudEvent](t, "application server", "/ivr/events")}
	a.start(a.serve)
	return a
}

// serve records one delivery and answers 204, or 503 while refusing, or
// nothing while hung up.
func (a *cloudApp) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	ev := cloudEvent{ID: r.Header.Get("X-Ivrbox-Event-Id"), CallHdr: r.Header.Get("X-Ivrbox-Call-Id"),
		Attempt: r.Header.Get("X-Ivrbox-Attempt"), Body: string(body), At: time.Now()}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if r.Method != http.MethodPost || r.URL.Path != a.path || dec.Decode(&ev.M) != nil {
		a.t.Errorf("application server: %s %s %q: want a POST of a JSON object to %s", r.Method, r.URL.Path, body, a.path)
	}
	if !a.admit(w, r, ev) {
		return
	}
	ev.Acked = true
	a.record(ev, true)
	w.WriteHeader(http.StatusNoContent)
}

// delivered returns the events of call callID (every call if "") answered
// 2xx, each once (the first 2xx of its event id), in arrival order.
func (a *cloudApp) delivered(callID string) []cloudEvent {
	var out []cloudEvent
	for _, e := range a.firstAcked(func(e cloudEvent) string { return e.ID + "/" + e.str("serial") }) {
		if callID == "" || e.str("callId") == callID {
			out = append(out, e)
		}
	}
	return out
}

// waitEvent waits until an event named name of call callID (any call if
// "") has been delivered and returns the first such.
func (a *cloudApp) waitEvent(d time.Duration, callID, name string) cloudEvent {
	a.t.Helper()
	var found cloudEvent
	if !a.waitUntil(d, func() bool {
		for _, e := range a.delivered(callID) {
			if e.name() == name {
				found = e
				return true
			}
		}
		return false
	}) {
		a.t.Fatalf("application server: no %s within %v; received:\n%s", name, d, dumpCloud(a.requests()))
	}
	return found
}

// dumpCloud shows events in failure messages.
func dumpCloud(evs []cloudEvent) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "  id=%s attempt=%s acked=%v %s\n", e.ID, e.Attempt, e.Acked, e.Body)
	}
	return b.String()
}

// mediaServer is the application's own HTTP server of media URLs:
//
//	/tone.wav      urlHz for 1 s (audio/wav)
//	/missing.wav   404
//	/slow.wav      never answers (until the test ends)
//	/huge.wav      audio/wav that claims 1 GiB and streams it
//	/redirect.wav  302 to file:///etc/passwd
//	/page.wav      text/html
type mediaServer struct {
	srv  *httptest.Server
	quit chan struct{}
	mu   sync.Mutex
	hits map[string]int // requests per path
}

// newMediaServer starts the media server on 127.0.0.1.
func newMediaServer(t *testing.T) *mediaServer {
	m := &mediaServer{quit: make(chan struct{}), hits: map[string]int{}}
	wav := tone.WAV(tone.Sine([]float64{urlHz}, 1000, 0.4))
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		m.hits[r.URL.Path]++
		m.mu.Unlock()
		switch r.URL.Path {
		case "/tone.wav":
			w.Header().Set("Content-Type", "audio/wav")
			_, _ = w.Write(wav)
		case "/slow.wav":
			select {
			case <-r.Context().Done():
			case <-m.quit:
			}
		case "/huge.wav":
			w.Header().Set("Content-Type", "audio/wav")
			w.Header().Set("Content-Length", fmt.Sprint(1<<30))
			chunk := make([]byte, 64<<10)
			copy(chunk, wav[:44]) // a header that agrees: all of it is audio
			binary.LittleEndian.PutUint32(chunk[4:], 1<<30-8)
			binary.LittleEndian.PutUint32(chunk[40:], 1<<30-44)
			for sent := 0; sent < 1<<30; sent += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				clear(chunk[:44])
			}
		case "/redirect.wav":
			w.Header().Set("Location", "file:///etc/passwd")
			w.WriteHeader(http.StatusFound)
		case "/page.wav":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, "<!doctype html><html><body><h1>Not a sound</h1></body></html>\n")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(m.srv.Close)
	t.Cleanup(func() { close(m.quit) }) // runs first: frees the slow request so Close can return
	return m
}

// url is the address of path on the media server.
func (m *mediaServer) url(path string) string { return m.srv.URL + path }

// hitsOf is how many requests path got.
func (m *mediaServer) hitsOf(path string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hits[path]
}
