// The application server of the XML IVR tests: it answers the seed's
// conference guide (seed 002) with exactly the seed's XML bodies, and keeps
// every notice the box POSTed.

package e2e

import (
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// The seed's bodies, as the guide gives them (steps 5, 7, 8a-c, 9, 11, 13,
// 15, 16).
const (
	seedMenu = `<?xml version='1.0' encoding='UTF-8'?>
    <Response>
        <Get action='firstget' numdigits='1' timeout='30'>
            <Play>confmenu.wav</Play>
        </Get>
        <Play>timeout.wav</Play>
        <Redirect tag='1'>gettimeout</Redirect>
    </Response>`
	seedMenuBye = `<?xml version='1.0' encoding='UTF-8'?>
        	<Response>
        		<Get action='firstget' numdigits='1' timeout='30'>
        			<Play>confmenu.wav</Play>
        		</Get>
        		<Play>timeoutbye.wav</Play>
        		<Hangup/>
        	</Response>`
	seedCreate = `<?xml version='1.0' encoding='UTF-8'?>
        <Response>
        	<CreateConf action='createconfok' maxmember='10' autojoin='false'/>
        </Response>`
	seedJoinGet = `<?xml version='1.0' encoding='UTF-8'?>
        <Response>
        	<Get action='joinconfget' numdigits='8' timeout='30'>
          	<Play>confjoin.wav</Play>
          </Get>
          <Play>timeout.wav</Play>
        	<Redirect tag='2'>gettimeout</Redirect>
    		</Response>`
	seedJoin = `<?xml version='1.0' encoding='UTF-8'?>
    	<Response>
      	<JoinConf action='joinconfok' confid='$digits'/>
      	<Redirect>joinconffail</Redirect>
      </Response> `
	seedPlayID = `<?xml version='1.0' encoding='UTF-8'?>
    <Response>
    	<PlayMix type='40'>createconf.wav;$confid</PlayMix>
      <Redirect>autojoinconf</Redirect>
    </Response> `
	seedAutoJoin = `<?xml version='1.0' encoding='UTF-8'?>
    <Response>
    	<JoinConf action='joinconfok' confid='$confid'/>
    	<Redirect>joinconffail</Redirect>
    </Response>`
	seedNone = `<Response>
		   <CmdNone/>
		</Response>`
	seedJoinFail = `<?xml version='1.0' encoding='UTF-8'?>
    <Response>
    	<Get action='joinconfget' numdigits='8' timeout='30'>
    		<Play>confjoinfail.wav</Play>
      </Get>
      <Play>timeout.wav</Play>
      <Redirect tag='2'>gettimeout</Redirect>
    </Response> `
	// seedJoinFailBye is step 6's second chance: the guide says the caller
	// is asked again after a timeout and hears the goodbye after another;
	// it gives no body for it, so this is step 16's with step 7's ending.
	seedJoinFailBye = `<?xml version='1.0' encoding='UTF-8'?>
    <Response>
    	<Get action='joinconfget' numdigits='8' timeout='30'>
    		<Play>confjoinfail.wav</Play>
      </Get>
      <Play>timeoutbye.wav</Play>
      <Hangup/>
    </Response>`
)

// notice is what the tests read of a notice the box POSTed.
type notice struct {
	Path    string `xml:"-"`
	Action  string `xml:"action"`
	CallSid string `xml:"callSid"`
	Caller  string `xml:"caller"`
	Called  string `xml:"called"`
	Tag     string `xml:"tag"`
	Digits  string `xml:"digits"`
	ConfID  string `xml:"confid"`
	Result  string `xml:"result"`
	at      time.Time
}

// guideApp is the seed's application server on loopback.
type guideApp struct {
	t   *testing.T
	srv *http.Server
	url string // the IVR's application URL: http://127.0.0.1:port/ivr

	mu      sync.Mutex
	notices []notice
	changed chan struct{} // closed and replaced on every notice
}

func newGuideApp(t *testing.T) *guideApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &guideApp{t: t, url: "http://" + ln.Addr().String() + "/ivr", changed: make(chan struct{})}
	a.srv = &http.Server{Handler: http.HandlerFunc(a.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	t.Cleanup(func() { _ = a.srv.Close() })
	return a
}

// serve answers a notice with the seed's body for its step.
func (a *guideApp) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var n notice
	if err != nil || xml.Unmarshal(body, &n) != nil {
		a.t.Errorf("app: a notice that is not XML: %v %q", err, body)
		http.Error(w, "bad notice", http.StatusBadRequest)
		return
	}
	n.Path, n.at = strings.TrimPrefix(r.URL.Path, "/ivr"), time.Now()
	a.mu.Lock()
	timeouts := 0
	for _, o := range a.notices {
		if o.CallSid == n.CallSid && o.Path == "/gettimeout" && o.Tag == "2" {
			timeouts++
		}
	}
	a.notices = append(a.notices, n)
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/xml")
	_, _ = io.WriteString(w, a.answer(n, timeouts))
}

// answer is the seed's body for notice n; timeouts counts the caller's
// earlier join timeouts.
func (a *guideApp) answer(n notice, timeouts int) string {
	switch n.Path {
	case "", "/":
		if n.Action == "stopservice" {
			return seedNone
		}
		return seedMenu
	case "/firstget":
		switch n.Digits {
		case "1":
			return seedCreate
		case "2":
			return seedJoinGet
		}
		return seedMenu
	case "/gettimeout":
		if n.Tag == "2" {
			if timeouts == 0 {
				return seedJoinFailBye
			}
			return seedNone
		}
		return seedMenuBye
	case "/joinconfget":
		return seedJoin
	case "/joinconffail":
		return seedJoinFail
	case "/createconfok":
		return seedPlayID
	case "/autojoinconf":
		return seedAutoJoin
	}
	return seedNone // joinconfok, quit and delete notices, hang-ups
}

// wait waits until a notice matches ok and returns it.
func (a *guideApp) wait(d time.Duration, what string, ok func(notice) bool) notice {
	a.t.Helper()
	deadline := time.After(d)
	for {
		a.mu.Lock()
		for _, n := range a.notices {
			if ok(n) {
				a.mu.Unlock()
				return n
			}
		}
		ch := a.changed
		a.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			a.t.Fatalf("app: no %s notice within %v; got %s", what, d, a.summary())
		}
	}
}

// of returns the notices of call sid, in order.
func (a *guideApp) of(sid string) []notice {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []notice
	for _, n := range a.notices {
		if n.CallSid == sid {
			out = append(out, n)
		}
	}
	return out
}

func (a *guideApp) summary() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var b strings.Builder
	for _, n := range a.notices {
		b.WriteString(n.CallSid + ":" + n.Action + " " + n.Path + " digits=" + n.Digits + " tag=" + n.Tag +
			" confid=" + n.ConfID + " result=" + n.Result + "; ")
	}
	return b.String()
}
