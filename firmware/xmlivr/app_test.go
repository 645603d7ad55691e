package xmlivr

import (
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// seenNotice is a notice the test application received.
type seenNotice struct {
	Path   string
	Notice struct {
		Action  string `xml:"action"`
		CallSid string `xml:"callSid"`
		Caller  string `xml:"caller"`
		Called  string `xml:"called"`
		Type    string `xml:"type"`
		IVR     string `xml:"ivr"`
		Tag     string `xml:"tag"`
		Digits  string `xml:"digits"`
		ConfID  string `xml:"confid"`
		Result  string `xml:"result"`
		Reason  string `xml:"reason"`
		ByeType string `xml:"byetype"`
	}
	Header http.Header
	Body   []byte
}

// seedApp is the seed guide's application server: it answers each notice
// with exactly the guide's bodies, under /ivr.
type seedApp struct {
	t      testing.TB
	bodies map[string][]byte
	srv    *httptest.Server

	mu       sync.Mutex // guards seen and timeouts
	seen     []seenNotice
	timeouts map[string]int // gettimeout redirects per call
}

func newSeedApp(t testing.TB) *seedApp {
	a := &seedApp{t: t, bodies: seedBodies(t), timeouts: map[string]int{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

// URL is the application's URL for the IVR config.
func (a *seedApp) URL() string { return a.srv.URL + "/ivr" }

func (a *seedApp) serve(w http.ResponseWriter, r *http.Request) {
	n := readNotice(a.t, r)
	a.mu.Lock()
	a.seen = append(a.seen, n)
	a.mu.Unlock()
	body := a.answer(n)
	w.Header().Set("Content-Type", "application/xml")
	_, _ = w.Write(body)
}

// answer is the guide's answer to n.
func (a *seedApp) answer(n seenNotice) []byte {
	b := a.bodies
	switch strings.TrimPrefix(n.Path, "/ivr") {
	case "", "/":
		if n.Notice.Action == ActStop {
			return b["hangup-cmdnone"]
		}
		return b["menu"]
	case "/firstget":
		switch n.Notice.Digits {
		case "1":
			return b["create"]
		case "2":
			return b["join-get"]
		}
		return b["menu-other"]
	case "/gettimeout":
		a.mu.Lock()
		a.timeouts[n.Notice.CallSid]++
		again := a.timeouts[n.Notice.CallSid] > 1
		a.mu.Unlock()
		if n.Notice.Tag == "2" && !again {
			return b["join-fail"]
		}
		return b["menu-bye"]
	case "/joinconfget":
		return b["join"]
	case "/joinconffail":
		return b["join-fail"]
	case "/createconfok":
		return b["playmix"]
	case "/autojoinconf":
		return b["autojoin"]
	case "/joinconfok":
		return b["cmdnone"]
	}
	return []byte("<Response><Hangup/></Response>")
}

func readNotice(t testing.TB, r *http.Request) seenNotice {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("reading a notice: %v", err)
	}
	n := seenNotice{Path: r.URL.Path, Header: r.Header.Clone(), Body: body}
	if err := xml.Unmarshal(body, &n.Notice); err != nil {
		t.Errorf("notice %s: %v: %s", r.URL.Path, err, body)
	}
	return n
}

// Seen returns "path action digits confid tag" per notice of call id.
func (a *seedApp) Seen(id string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for _, n := range a.seen {
		if n.Notice.CallSid != id {
			continue
		}
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
