// Tests of the cloud IVR's settings through the binary: barge-in, what the
// caller hears when the application's media list ends (after_media), and
// the idle timer.

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// cloudCall starts a box whose cloud IVR has settings, subscribes an
// application, calls the IVR and returns the box, the application, the
// caller, its ear and IvrStartedEvent.
func cloudCall(t *testing.T, settings string) (*cloudBox, *cloudApp, *sipCaller, *peer, *callerEar, cloudEvent) {
	t.Helper()
	return cloudCallWith(t, cloudConfig(settings))
}

// cloudCallWith is cloudCall with a whole config.
func cloudCallWith(t *testing.T, cfg string) (*cloudBox, *cloudApp, *sipCaller, *peer, *callerEar, cloudEvent) {
	t.Helper()
	app := newCloudApp(t)
	cb := startCloudBox(t, cfg)
	cb.subscribe(app.url())
	p := newPeer(t, 0)
	c := dialBox(t, cb.box, cloudIVR, cloudCaller, p)
	started := app.waitEvent(15*time.Second, "", "IvrStartedEvent")
	return cb, app, c, p, &callerEar{p: p}, started
}

// TestCloudMediaModes: with barge_in a key stops the media and drops the
// queue (IvrDtmfEvent, IvrMediaEndedEvent result key); without it the
// media plays on; after_media hold loops the hold prompts until the next
// request; after_media next runs the IVR's next action (IvrEndedEvent
// APP_RELEASE); a transfer by another API moves the call on (TRANSFER);
// an application idle for idle seconds counts as gone and the
// fallback runs first_command seconds later (TIMEOUT).
func TestCloudMediaModes(t *testing.T) {
	t.Parallel()
	t.Run("barge-in", func(t *testing.T) {
		t.Parallel()
		cb, app, c, p, ear, started := cloudCall(t, `{"first_command": 30, "barge_in": true}`)
		id := started.str("callId")
		asked := time.Now()
		cb.api.ok("/media/playMedia", map[string]string{"callId": id, "urls": "long.wav;short.wav"})
		waitRun(t, "the caller, long.wav", ear.heard, asked, longHz, 10, 5*time.Second)
		pressed := time.Now()
		p.rfc4733('5')
		quiet := waitRun(t, "the caller, silence after the key", ear.heard, pressed, 0, 10, 3*time.Second)
		if d := quiet.at.Sub(pressed); d > 500*time.Millisecond {
			t.Errorf("long.wav stopped %v after the key was sent", d)
		}
		app.waitEvent(5*time.Second, id, "IvrMediaEndedEvent")
		if n := countTone(ear.heard(), shortHz, pressed, time.Now()); n > 0 {
			t.Errorf("short.wav, queued, played (%d frames) after the key: the queue was not dropped", n)
		}
		c.hangup()
		app.waitEvent(10*time.Second, id, "IvrEndedEvent")
		evs := app.delivered(id)
		checkCallEvents(t, evs, []string{"IvrStartedEvent", "IvrDtmfEvent 5", "IvrMediaEndedEvent long.wav;short.wav key", "IvrEndedEvent NORMAL_CLEAR"})
		for _, e := range evs {
			if e.name() == "IvrMediaEndedEvent" && e.str("dtmf") != "5" {
				t.Errorf("IvrMediaEndedEvent with result key: dtmf %q, want 5", e.str("dtmf"))
			}
		}
	})
	t.Run("no barge-in", func(t *testing.T) {
		t.Parallel()
		cb, app, c, p, ear, started := cloudCall(t, `{"first_command": 30}`)
		id := started.str("callId")
		asked := time.Now()
		cb.api.ok("/media/playMedia", map[string]string{"callId": id, "urls": "long.wav"})
		waitRun(t, "the caller, long.wav", ear.heard, asked, longHz, 10, 5*time.Second)
		pressed := time.Now()
		p.rfc4733('7')
		app.waitEvent(5*time.Second, id, "IvrDtmfEvent")
		waitRun(t, "the caller, long.wav going on after the key", ear.heard, time.Now(), longHz, 25, 3*time.Second)
		if n := countTone(ear.heard(), 0, pressed, time.Now()); n > 3 {
			t.Errorf("%d quiet frames after the key: without barge_in the media must play on", n)
		}
		cb.api.ok("/media/stopMedia", map[string]string{"callId": id})
		app.waitEvent(5*time.Second, id, "IvrMediaEndedEvent")
		c.hangup()
		app.waitEvent(10*time.Second, id, "IvrEndedEvent")
		checkCallEvents(t, app.delivered(id), []string{"IvrStartedEvent", "IvrDtmfEvent 7", "IvrMediaEndedEvent long.wav stopped", "IvrEndedEvent NORMAL_CLEAR"})
	})
	t.Run("after_media hold", func(t *testing.T) {
		t.Parallel()
		cb, app, c, _, ear, started := cloudCall(t, `{"first_command": 30, "after_media": "hold", "hold": ["after"]}`)
		id := started.str("callId")
		asked := time.Now()
		cb.api.ok("/media/playMedia", map[string]string{"callId": id, "urls": "short.wav"})
		short := waitRun(t, "the caller, short.wav", ear.heard, asked, shortHz, 10, 5*time.Second)
		hold := waitRun(t, "the caller, the hold prompt", ear.heard, short.at, plainHz, 10, 5*time.Second)
		// after.wav lasts 600 ms: two rounds of it, told apart by the tone
		// heard again after a second has passed.
		waitRun(t, "the caller, the hold prompt looping", ear.heard, hold.at.Add(time.Second), plainHz, 5, 5*time.Second)
		again := time.Now()
		cb.api.ok("/media/playMedia", map[string]string{"callId": id, "urls": "short.wav"})
		next := waitRun(t, "the caller, short.wav after hold", ear.heard, again, shortHz, 10, 3*time.Second)
		if d := next.at.Sub(again); d > 700*time.Millisecond {
			t.Errorf("the new media came %v after the request: it must not wait for the hold loop", d)
		}
		c.hangup()
		app.waitEvent(10*time.Second, id, "IvrEndedEvent")
	})
	t.Run("after_media next", func(t *testing.T) {
		t.Parallel()
		cb, app, c, _, ear, started := cloudCall(t, `{"first_command": 30, "after_media": "next", "next": {"type": "ivr", "target": "6502"}}`)
		id := started.str("callId")
		asked := time.Now()
		cb.api.ok("/media/playMedia", map[string]string{"callId": id, "urls": "short.wav"})
		short := waitRun(t, "the caller, short.wav", ear.heard, asked, shortHz, 10, 5*time.Second)
		waitRun(t, "the caller, IVR 6502 (next)", ear.heard, short.at, plainHz, 10, 5*time.Second)
		ended := app.waitEvent(10*time.Second, id, "IvrEndedEvent")
		checkEnded(t, ended, started, "APP_RELEASE")
		c.waitBye(10 * time.Second)
		checkCallEvents(t, app.delivered(id), []string{"IvrStartedEvent", "IvrMediaEndedEvent short.wav finished", "IvrEndedEvent APP_RELEASE"})
	})
	t.Run("transfer", func(t *testing.T) {
		t.Parallel()
		withPBX := strings.Replace(cloudConfig(`{"first_command": 30}`), `"cloud": {"namespace"`,
			fmt.Sprintf(`"api": {"user": %q, "password_md5": %q}, "cloud": {"namespace"`, apiUser, md5hex(apiPassword)), 1)
		cb, app, c, _, ear, started := cloudCallWith(t, withPBX)
		id := started.str("callId")
		cb.api.ok("/media/playMedia", map[string]string{"callId": id, "urls": "long.wav"})
		pbx := newPBX(t, cb.box, "")
		pbx.mustLogin()
		moved := time.Now()
		pbx.ok("calltransfer", map[string]string{"callid": id, "transferto": plainIVR})
		waitRun(t, "the caller, IVR 6502 after the transfer", ear.heard, moved, plainHz, 10, 5*time.Second)
		ended := app.waitEvent(10*time.Second, id, "IvrEndedEvent")
		checkEnded(t, ended, started, "TRANSFER")
		c.waitBye(10 * time.Second)
		if code := cb.api.do("POST", "/media/playMedia", map[string]string{"callId": id, "urls": "short.wav"}).Status; code == 200 {
			t.Error("playMedia of a call that left the cloud IVR: 200")
		}
	})
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		cb, app, c, _, ear, started := cloudCall(t, `{"first_command": 1, "idle": 1}`)
		id := started.str("callId")
		asked := time.Now()
		cb.api.ok("/media/playMedia", map[string]string{"callId": id, "urls": "short.wav"})
		short := waitRun(t, "the caller, short.wav", ear.heard, asked, shortHz, 10, 5*time.Second)
		quiet := waitRun(t, "the caller, silence after short.wav", ear.heard, short.at, 0, 5, 3*time.Second)
		c.waitBye(10 * time.Second)
		if d := time.Since(quiet.at); d < 1500*time.Millisecond || d > 4*time.Second {
			t.Errorf("the fallback (hang up) ran %v after short.wav ended, want idle (1 s) and first_command (1 s)", d)
		}
		ended := app.waitEvent(10*time.Second, id, "IvrEndedEvent")
		checkEnded(t, ended, started, "TIMEOUT")
	})
}
