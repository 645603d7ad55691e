// The box of the WebSocket ivrapi tests: IVRs configured through the admin
// API with an API-control step, a token for the WebSocket API, tone prompts
// that tell the caller's ear which step ran, and the call that reaches the
// step.

package e2e

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/tone"
)

// The IVRs and the step of the WebSocket tests.
const (
	wsIVR      = "6590" // key 1: the API-control step
	wsNextIVR  = "6591" // the step's next action
	wsFallIVR  = "6592" // the step's fallback
	wsKey      = "abc"
	wsParams   = `{"x":1}`
	wsStepName = "ws step"
	wsCaller   = "5550100"
)

// Tones the caller's ear tells apart (frameTone knows cloudFreqs only).
const (
	wsHoldHz = greetHz // music.wav: the step's hold music
	wsNextHz = plainHz // after.wav: IVR 6591, the step's next action
	wsFallHz = longHz  // fallback.wav: IVR 6592, the step's fallback
	wsPlayHz = shortHz // short.wav in the default storage (:SYNC_DOMAIN_DATA)
	wsURLHz  = urlHz   // the media server's /tone.wav
)

// wsPrompts are the prompt files of the WebSocket tests' IVRs.
var wsPrompts = map[string][]byte{
	"quiet.wav":    tone.WAV(make([]int16, 2400)), // 6590's greeting: 300 ms of silence
	"music.wav":    tone.WAV(tone.Sine([]float64{wsHoldHz}, 1000, 0.4)),
	"after.wav":    tone.WAV(tone.Sine([]float64{wsNextHz}, 600, 0.4)),
	"fallback.wav": tone.WAV(tone.Sine([]float64{wsFallHz}, 600, 0.4)),
}

// wsStorageFile is short.wav in the default storage's folder of the prompt
// store, relative to the data directory.
var wsStorageFile = filepath.Join("prompts", "ivrapi", "sync_domain_data", "short.wav")

// wsBox is a running box with the WebSocket tests' IVRs, its admin client
// and a token that opens the WebSocket API.
type wsBox struct {
	*cloudBox // the box and its admin client (liveCallOf)
	token     string
}

// startWSBox starts a box, configures through the admin API IVR 6590
// whose key 1 is the API-control step (key abc, params {"x":1}, name
// "ws step", timeout seconds; next 6591, fallback 6592), and makes a token
// with "apis": ["ws"].
func startWSBox(t *testing.T, timeout int) *wsBox {
	t.Helper()
	b := startBox(t, boxOpts{prompts: wsPrompts, prepare: func(dir string) {
		f := filepath.Join(dir, wsStorageFile)
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, tone.WAV(tone.Sine([]float64{wsPlayHz}, 1000, 0.4)), 0o644); err != nil {
			t.Fatal(err)
		}
	}})
	adm := admin(t, b)
	for _, ivr := range []map[string]any{
		{"number": wsNextIVR, "prompts": []string{"after"}, "repeat": 1, "wait": 30},
		{"number": wsFallIVR, "prompts": []string{"fallback"}, "repeat": 1, "wait": 30},
		{"number": wsIVR, "prompts": []string{"quiet"}, "repeat": 1, "wait": 20, "keys": map[string]any{
			"1": map[string]any{"type": "api",
				"api": map[string]any{"key": wsKey, "params": wsParams, "name": wsStepName, "timeout": timeout,
					"fallback": map[string]string{"type": "ivr", "target": wsFallIVR}},
				"next": map[string]string{"type": "ivr", "target": wsNextIVR}}}},
	} {
		adm.must("POST", "ivrs", ivr, http.StatusCreated, nil)
	}
	var tok struct {
		Token string   `json:"token"`
		APIs  []string `json:"apis"`
	}
	adm.must("POST", "cloud/tokens", map[string]any{"name": "e2e ws", "apis": []string{"ws"}}, http.StatusCreated, &tok)
	if tok.Token == "" || !slices.Equal(tok.APIs, []string{"ws"}) {
		t.Fatalf("POST cloud/tokens with apis [ws]: %+v", tok)
	}
	return &wsBox{cloudBox: &cloudBox{box: b, adm: adm}, token: tok.Token}
}

// wsStepID is the componentid of the step: derived from the IVR and the key.
func wsStepID() string { return strconv.Itoa(config.APIStep{Key: wsKey}.ComponentID(wsIVR)) }

// wsCall is a call that reached the API-control step.
type wsCall struct {
	c      *sipCaller
	p      *peer
	ear    *callerEar
	dialed time.Time
}

// call dials IVR 6590 and presses 1 (RFC 4733) once the box's audio flows.
func (wb *wsBox) call(t *testing.T) *wsCall {
	t.Helper()
	p := newPeer(t, 0)
	dialed := time.Now()
	c := dialBox(t, wb.box, wsIVR, wsCaller, p)
	p.waitMedia(5 * time.Second)
	p.rfc4733('1')
	return &wsCall{c: c, p: p, ear: &callerEar{p: p}, dialed: dialed}
}

// ctl is the body of a request about the step of ivrid (key abc), with
// more fields as name, value pairs.
func ctl(ivrid string, kv ...any) map[string]any {
	m := map[string]any{"key": wsKey, "ivrid": ivrid}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// apply is the body of ivrapi_component_apply with the component data.
func apply(ivrid string, data map[string]any) map[string]any { return ctl(ivrid, "data", data) }

// isStopped matches the ivrapi_component_stopped of component oId.
func isStopped(oID int) func(wsMsg) bool {
	return func(m wsMsg) bool { return m.name == "ivrapi_component_stopped" && m.str("oId") == strconv.Itoa(oID) }
}

// ofSIPCall matches the events whose data names the SIP Call-ID callid.
func ofSIPCall(callid string) func(map[string]any) bool {
	return func(d map[string]any) bool { return anyStr(d["callid"]) == callid }
}

// checkAPIStart checks api_start's data against the caller's own SIP
// Call-ID, the box's listing of the call and the step's settings.
func checkAPIStart(t *testing.T, who string, m wsMsg, call *wsCall, live liveCallInfo) {
	t.Helper()
	d := m.data()
	want := map[string]string{"callid": call.c.callID, "cid": live.ID, "key": wsKey, "params": wsParams,
		"componentname": wsStepName, "componentid": wsStepID(), "sm_id": wsIVR, "state": "dialog",
		"from": wsCaller, "to": wsIVR}
	for k, v := range want {
		if got := anyStr(d[k]); got != v {
			t.Errorf("%s: api_start %s = %q, want %q; %s", who, k, got, v, m.raw)
		}
	}
	if anyStr(d["ivrid"]) == "" {
		t.Errorf("%s: api_start without an ivrid: %s", who, m.raw)
	}
	for _, k := range []string{"componentid", "ivrts"} {
		if _, isNum := d[k].(json.Number); !isNum {
			t.Errorf("%s: api_start %s %v is not a JSON number", who, k, d[k])
		}
	}
	if ts := atoi64(anyStr(d["ivrts"])); ts < call.dialed.Add(-time.Second).UnixMilli() || ts > m.at.UnixMilli() {
		t.Errorf("%s: api_start ivrts %d, want the call's start (dialed at %d, event at %d)", who, ts,
			call.dialed.UnixMilli(), m.at.UnixMilli())
	}
	if ts := atoi64(m.str("eventts")); ts < call.dialed.UnixMilli() || ts > m.at.UnixMilli()+1000 {
		t.Errorf("%s: api_start eventts %d, want between the dial (%d) and its arrival (%d)", who, ts,
			call.dialed.UnixMilli(), m.at.UnixMilli())
	}
}

// checkAPIStop checks api_stop's data: the step's fields as api_start
// had them, the reason and the box's cause.
func checkAPIStop(t *testing.T, who string, m, start wsMsg, reason, cause string) {
	t.Helper()
	d, s := m.data(), start.data()
	for _, k := range []string{"callid", "cid", "componentid", "componentname", "ivrid", "ivrts", "key", "sm_id"} {
		if anyStr(d[k]) != anyStr(s[k]) || anyStr(d[k]) == "" {
			t.Errorf("%s: api_stop %s = %q, api_start had %q", who, k, anyStr(d[k]), anyStr(s[k]))
		}
	}
	if anyStr(d["reason"]) != reason || anyStr(d["cause"]) != cause {
		t.Errorf("%s: api_stop reason %q cause %q, want %q and %q: %s", who, d["reason"], d["cause"], reason, cause, m.raw)
	}
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// fileServer is the WebSocket tests' own HTTP server of bad files:
//
//	/big.wav    a WAV file of 100 MB with its Content-Length; it counts what
//	            it managed to send before the box hung up on it
//	/loop.wav   a redirect to itself, for ever
type fileServer struct {
	srv   *httptest.Server
	sent  atomic.Int64
	once  sync.Once
	done  chan struct{} // closed when the first /big.wav handler returns
	loops atomic.Int64  // requests of /loop.wav
}

// bigSize is the size of /big.wav.
const bigSize = 100 << 20

func newFileServer(t *testing.T) *fileServer {
	s := &fileServer{done: make(chan struct{})}
	wav := tone.WAV(tone.Sine([]float64{wsURLHz}, 10, 0.4))
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop.wav":
			s.loops.Add(1)
			http.Redirect(w, r, "/loop.wav", http.StatusFound)
		case "/big.wav":
			defer s.once.Do(func() { close(s.done) })
			w.Header().Set("Content-Type", "audio/wav")
			w.Header().Set("Content-Length", strconv.Itoa(bigSize))
			chunk := make([]byte, 64<<10)
			copy(chunk, wav[:44])
			for s.sent.Load() < bigSize {
				n, err := w.Write(chunk)
				s.sent.Add(int64(n))
				if err != nil {
					return
				}
				clear(chunk[:44])
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// url is the address of path on the server.
func (s *fileServer) url(path string) string { return s.srv.URL + path }
