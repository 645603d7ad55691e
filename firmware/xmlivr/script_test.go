package xmlivr

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// scriptApp answers each path with a fixed body (404 for others) and
// records the notices.
type scriptApp struct {
	t      testing.TB
	bodies map[string]string
	srv    *httptest.Server
	// handle, when set, serves instead (after the notice is recorded).
	handle func(w http.ResponseWriter, r *http.Request, n seenNotice)

	mu    sync.Mutex // guards seen and paths
	seen  []seenNotice
	paths map[string]chan struct{} // closed when a notice came to the path
}

func newScriptApp(t testing.TB, bodies map[string]string) *scriptApp {
	a := &scriptApp{t: t, bodies: bodies, paths: map[string]chan struct{}{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *scriptApp) URL() string { return a.srv.URL }

func (a *scriptApp) serve(w http.ResponseWriter, r *http.Request) {
	n := readNotice(a.t, r)
	a.mu.Lock()
	a.seen = append(a.seen, n)
	ch := a.pathLocked(r.URL.Path)
	select {
	case <-ch:
	default:
		close(ch)
	}
	a.mu.Unlock()
	if a.handle != nil {
		a.handle(w, r, n)
		return
	}
	body, ok := a.bodies[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte(body))
}

func (a *scriptApp) pathLocked(p string) chan struct{} {
	ch, ok := a.paths[p]
	if !ok {
		ch = make(chan struct{})
		a.paths[p] = ch
	}
	return ch
}

// waitPath waits until a notice came to path p.
func (a *scriptApp) waitPath(t testing.TB, p string) {
	a.mu.Lock()
	ch := a.pathLocked(p)
	a.mu.Unlock()
	<-ch
}

func (a *scriptApp) notices() []seenNotice {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]seenNotice(nil), a.seen...)
}

// Seen returns "path action digits confid tag bye reason" per notice.
func (a *scriptApp) Seen() []string {
	var out []string
	for _, n := range a.notices() {
		s := n.Path + " " + n.Notice.Action
		for _, f := range []struct{ k, v string }{{"digits", n.Notice.Digits}, {"confid", n.Notice.ConfID},
			{"tag", n.Notice.Tag}, {"bye", n.Notice.ByeType}, {"reason", n.Notice.Reason}} {
			if f.v != "" {
				s += " " + f.k + "=" + f.v
			}
		}
		out = append(out, s)
	}
	return out
}
