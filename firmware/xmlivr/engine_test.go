package xmlivr

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// newTestEngine returns an engine over rooms whose background notices are
// retried without waiting, closed when the test ends.
func newTestEngine(t *testing.T, rooms Rooms, bus *event.Bus) *Engine {
	t.Helper()
	var r Rooms
	if rooms != nil {
		r = rooms
	}
	e := New(Options{Rooms: r, Bus: bus, RetryWait: time.Millisecond, IdleHangup: time.Minute})
	t.Cleanup(func() { e.Close() })
	return e
}

// run runs c through the app at url and fails the test on an error.
func run(t *testing.T, e *Engine, c Call, app config.XMLApp) {
	t.Helper()
	if err := e.Run(t.Context(), c, Spec{IVR: "6510", App: app}); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func equal(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

// The seed guide, caller 1: press 1, a room is created, its id read back
// (PlayMix 40) and joined; the room ends; the app answers CmdNone and the
// caller hangs up in the silence.
func TestSeedCreate(t *testing.T) {
	app := newSeedApp(t)
	rooms := newFakeRooms()
	e := newTestEngine(t, rooms, nil)
	c := newFakeCall("c1", "1")
	go func() {
		id, err := rooms.waitJoined(10 * time.Second)
		if err != nil {
			t.Error(err)
			c.callerHangsUp()
			return
		}
		rooms.get(id).End("ended")
		<-c.waited
		c.callerHangsUp()
	}()
	run(t, e, c, config.XMLApp{URL: app.URL()})
	e.Close()
	equal(t, "ops", c.Ops(), []string{
		"collect confmenu.wav max=1 finish=# timeout=30s",
		"play createconf.wav,digits/1,digits/0,digits/0,digits/0,digits/0,digits/0,digits/0,digits/1",
		"join", "left ended", "wait 1m0s", "caller hangs up",
	})
	equal(t, "notices", app.Seen("c1"), []string{
		"/ivr startservice",
		"/ivr/firstget dtmfreport digits=1",
		"/ivr/createconfok createconf digits=1 confid=10000001",
		"/ivr/autojoinconf redirect digits=1 confid=10000001",
		"/ivr/joinconfok joinconf digits=1 confid=10000001",
		"/ivr/joinconfok quitconf digits=1 confid=10000001 reason=ended",
		"/ivr stopservice digits=1 confid=10000001 bye=caller",
	})
	if r := rooms.get("10000001"); r == nil || r.max != 10 || r.owner != "c1" {
		t.Errorf("room %+v", r)
	}
}

// Caller 2: press 2, a wrong id (no such room: the Redirect after JoinConf
// runs, "failed, try again"), then the right one; the caller hangs up in
// the room.
func TestSeedJoinWrongThenRight(t *testing.T) {
	app := newSeedApp(t)
	rooms := newFakeRooms()
	id, _ := rooms.Create(10, "other")
	e := newTestEngine(t, rooms, nil)
	c := newFakeCall("c2", "2", "99999999", id)
	go func() {
		if _, err := rooms.waitJoined(10 * time.Second); err != nil {
			t.Error(err)
		}
		c.callerHangsUp()
	}()
	run(t, e, c, config.XMLApp{URL: app.URL()})
	e.Close()
	equal(t, "ops", c.Ops(), []string{
		"collect confmenu.wav max=1 finish=# timeout=30s",
		"collect confjoin.wav max=8 finish=# timeout=30s",
		"collect confjoinfail.wav max=8 finish=# timeout=30s",
		"join", "caller hangs up",
	})
	equal(t, "notices", app.Seen("c2"), []string{
		"/ivr startservice",
		"/ivr/firstget dtmfreport digits=2",
		"/ivr/joinconfget dtmfreport digits=99999999",
		"/ivr/joinconffail redirect digits=99999999",
		"/ivr/joinconfget dtmfreport digits=10000001",
		"/ivr/joinconfok joinconf digits=10000001 confid=10000001",
		"/ivr stopservice digits=10000001 confid=10000001 bye=caller",
	})
}

// Caller 3: two timeouts at the menu: timeout.wav, Redirect gettimeout
// (tag 1), the menu again, timeoutbye.wav and the app's Hangup.
func TestSeedDoubleTimeout(t *testing.T) {
	app := newSeedApp(t)
	e := newTestEngine(t, newFakeRooms(), nil)
	c := newFakeCall("c3", "", "")
	run(t, e, c, config.XMLApp{URL: app.URL()})
	e.Close()
	equal(t, "ops", c.Ops(), []string{
		"collect confmenu.wav max=1 finish=# timeout=30s", "play timeout.wav barge",
		"collect confmenu.wav max=1 finish=# timeout=30s", "play timeoutbye.wav barge", "hangup normal",
	})
	equal(t, "notices", app.Seen("c3"), []string{
		"/ivr startservice", "/ivr/gettimeout redirect tag=1", "/ivr stopservice tag=1 bye=app",
	})
}

// The join-id prompt times out twice: "failed, try again", then goodbye.
func TestSeedJoinTimeouts(t *testing.T) {
	app := newSeedApp(t)
	e := newTestEngine(t, newFakeRooms(), nil)
	c := newFakeCall("c4", "2", "", "", "")
	run(t, e, c, config.XMLApp{URL: app.URL()})
	e.Close()
	equal(t, "ops", c.Ops(), []string{
		"collect confmenu.wav max=1 finish=# timeout=30s",
		"collect confjoin.wav max=8 finish=# timeout=30s", "play timeout.wav barge",
		"collect confjoinfail.wav max=8 finish=# timeout=30s", "play timeout.wav barge",
		"collect confmenu.wav max=1 finish=# timeout=30s", "play timeoutbye.wav barge", "hangup normal",
	})
}

// A CreateConf with autojoin joins at once: createconf goes to the action
// (its answer is not run while the call is in the room), joinconf to
// joinurl, and when the room ends quitconf goes to quiturl, whose answer
// runs.
func TestCreateConfAutoJoin(t *testing.T) {
	srv := newScriptApp(t, map[string]string{
		"/":     `<Response><CreateConf action="made" maxmember="5" autojoin="true" joinurl="in" quiturl="out" delreporturl="del"/><Play>never.wav</Play></Response>`,
		"/made": `<Response><Play>ignored.wav</Play></Response>`,
		"/in":   `<Response><CmdNone/></Response>`,
		"/out":  `<Response><Play>bye.wav</Play><Hangup/></Response>`,
		"/del":  `<Response><CmdNone/></Response>`,
	})
	rooms := newFakeRooms()
	e := newTestEngine(t, rooms, nil)
	c := newFakeCall("c5")
	go func() {
		id, err := rooms.waitJoined(10 * time.Second)
		if err != nil {
			t.Error(err)
			return
		}
		srv.waitPath(t, "/in")
		rooms.get(id).End("kicked")
		srv.waitPath(t, "/out")
		e.RoomEnded(id, "empty")
	}()
	run(t, e, c, config.XMLApp{URL: srv.URL()})
	srv.waitPath(t, "/del")
	e.Close()
	equal(t, "ops", c.Ops(), []string{"join", "left kicked", "play bye.wav barge", "hangup normal"})
	got := srv.Seen()
	slices.Sort(got[min(4, len(got)):]) // stopservice and delconf go in the background, in either order
	equal(t, "notices", got, []string{
		"/ startservice", "/made createconf confid=10000001", "/in joinconf confid=10000001",
		"/out quitconf confid=10000001 reason=kicked",
		"/ stopservice confid=10000001 bye=app", "/del delconf confid=10000001 reason=empty",
	})
}

// A full room refuses the call: the verbs after JoinConf run.
func TestJoinConfFull(t *testing.T) {
	rooms := newFakeRooms()
	id, _ := rooms.Create(3, "x")
	rooms.get(id).members = 3
	srv := newScriptApp(t, map[string]string{
		"/": `<Response><JoinConf action="ok" confid="` + id + `"/><Play>full.wav</Play><Hangup/></Response>`,
	})
	e := newTestEngine(t, rooms, nil)
	c := newFakeCall("c6")
	run(t, e, c, config.XMLApp{URL: srv.URL()})
	equal(t, "ops", c.Ops(), []string{"join", "refused", "play full.wav barge", "hangup normal"})
}

// No rooms on the box: CreateConf and JoinConf fall through.
func TestConfWithoutRooms(t *testing.T) {
	srv := newScriptApp(t, map[string]string{
		"/": `<Response><CreateConf action="ok"/><JoinConf confid="1"/><Hangup/></Response>`,
	})
	e := New(Options{})
	defer e.Close()
	c := newFakeCall("c7")
	run(t, e, c, config.XMLApp{URL: srv.URL()})
	equal(t, "ops", c.Ops(), []string{"hangup normal"})
}

// The basic guide's Get with a looping menu: the first key stops the loop
// and the rest are collected; the digits go to the action.
func TestGetLoopingPrompt(t *testing.T) {
	srv := newScriptApp(t, map[string]string{
		"/":           `<Response><Get action='dtmfreport' numdigits='3' timeout='20'><Play loop='-1'>menu.wav</Play></Get></Response>`,
		"/dtmfreport": `<Response><Play>$digits.wav</Play></Response>`,
	})
	e := newTestEngine(t, nil, nil)
	c := newFakeCall("c8", "1", "23")
	run(t, e, c, config.XMLApp{URL: srv.URL()})
	equal(t, "ops", c.Ops(), []string{"play menu.wav loop=-1 barge", "collect  max=2 finish=# timeout=20s", "play 123.wav barge", "hangup normal"})
	equal(t, "notices", srv.Seen()[:2], []string{"/ startservice", "/dtmfreport dtmfreport digits=123"})
}

// A Goto moves the call on: Run returns ctx's error, the call is not hung
// up, stopservice says "moved".
func TestRunStopped(t *testing.T) {
	srv := newScriptApp(t, map[string]string{
		"/": `<Response><Get><Play loop='-1'>menu.wav</Play></Get></Response>`,
	})
	e := newTestEngine(t, nil, nil)
	c := newFakeCall("c9")
	ctx, cancel := context.WithCancel(t.Context())
	go func() { srv.waitPath(t, "/"); cancel() }()
	err := e.Run(ctx, c, Spec{IVR: "6510", App: config.XMLApp{URL: srv.URL()}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v", err)
	}
	e.Close()
	if slices.Contains(c.Ops(), "hangup normal") {
		t.Error("a moved call was hung up")
	}
	if got := srv.Seen(); got[len(got)-1] != "/ stopservice bye=moved" {
		t.Errorf("notices %q", got)
	}
}

// The notices are signed when a secret is set.
func TestSigned(t *testing.T) {
	srv := newScriptApp(t, map[string]string{"/": `<Response><Hangup/></Response>`})
	e := newTestEngine(t, nil, nil)
	run(t, e, newFakeCall("c10"), config.XMLApp{URL: srv.URL(), Secret: "s3cret"})
	e.Close()
	for _, n := range srv.notices() {
		ts := n.Header.Get(HeaderTimestamp)
		if got, want := n.Header.Get(HeaderSignature), Sign("s3cret", ts, n.Body); got != want || !strings.HasPrefix(got, "sha256=") {
			t.Errorf("%s: signature %q, want %q", n.Notice.Action, got, want)
		}
		if n.Header.Get(HeaderCall) != "c10" {
			t.Errorf("call header %q", n.Header.Get(HeaderCall))
		}
	}
	srv2 := newScriptApp(t, map[string]string{"/": `<Response><Hangup/></Response>`})
	run(t, e, newFakeCall("c11"), config.XMLApp{URL: srv2.URL()})
	if h := srv2.notices()[0].Header.Get(HeaderSignature); h != "" {
		t.Errorf("unsigned app got %q", h)
	}
}

func TestNoticeShape(t *testing.T) {
	d := "12"
	b, err := Notice{Action: ActDigits, CallSid: "c", Caller: "1", Called: "2", Type: "0", Digits: &d, Timestamp: "20260101000000"}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>
<Request>
  <action>dtmfreport</action>
  <callSid>c</callSid>
  <caller>1</caller>
  <called>2</called>
  <type>0</type>
  <digits>12</digits>
  <timestamp>20260101000000</timestamp>
</Request>
`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

func TestResolve(t *testing.T) {
	for _, tt := range []struct{ base, ref, want string }{
		{"http://app/ivr", "firstget", "http://app/ivr/firstget"},
		{"http://app/ivr/", "firstget", "http://app/ivr/firstget"},
		{"http://app/ivr", "/welcome/voice", "http://app/welcome/voice"},
		{"http://app", "x?a=1", "http://app/x?a=1"},
		{"http://app/ivr", "", "http://app/ivr"},
		{"http://app/ivr", "https://other/x", "https://other/x"},
	} {
		if got, err := resolve(tt.base, tt.ref, ""); err != nil || got != tt.want {
			t.Errorf("resolve(%q, %q) = %q, %v; want %q", tt.base, tt.ref, got, err, tt.want)
		}
	}
	for _, ref := range []string{"file:///etc/passwd", "ftp://x/y", "http://user:pw@x/", "gopher://x"} {
		if _, err := resolve("http://app/ivr", ref, ""); !errors.Is(err, ErrBadURL) {
			t.Errorf("resolve(%q): %v", ref, err)
		}
	}
}
