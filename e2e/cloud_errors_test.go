// Tests of the cloud IVR API's error answers through the binary: each code
// of the contract from a request that causes it, with its HTTP status and
// the one error shape; tokens and throttling.

package e2e

import (
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
)

// cloudErrorCase is one request and the error code it must cause.
type cloudErrorCase struct {
	name     string
	path     string // POSTed
	body     any
	code     int
	mentions string        // the message must contain this ("" = anything)
	wait     time.Duration // how long the request may take (0 = the client's default)
}

// with returns a copy of m with the keys of kv set (kv: key, value, ...);
// a value of nil deletes the key.
func with(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

// TestCloudErrors: with a call in the cloud IVR and one in a plain IVR,
// each error code from requests that cause it (2, 10001, 10002, 10003,
// 10004, 10005, 401), the error shape with the request's id and callId
// echoed, and the successes that look like errors (stopMedia with nothing
// playing, stop-monitor-call without a monitor, the /cloud prefix, a
// Bearer token).
func TestCloudErrors(t *testing.T) {
	t.Parallel()
	app := newCloudApp(t)
	media := newMediaServer(t)
	cb := startCloudBox(t, cloudConfig(`{"first_command": 120, "idle": 300}`))
	cb.subscribe(app.url())
	p := newPeer(t, 0)
	c := dialBox(t, cb.box, cloudIVR, cloudCaller, p)
	started := app.waitEvent(15*time.Second, "", "IvrStartedEvent")
	callID := started.str("callId")
	plain := dialBox(t, cb.box, longIVR, "1002", newPeer(t, 0))
	plainID := cb.liveCallOf(plain.callID).ID
	sink := newRTPSink(t)
	mon := cb.monitorBody(started, sink.url(), sink.url())
	mon["id"] = "err-req"
	play := func(urls string) map[string]any { return map[string]any{"callId": callID, "urls": urls} }
	sub := map[string]any{"url": app.url(), "topics": []string{"ivr", "call"}, "namespace": cloudNS}

	cases := []cloudErrorCase{
		{"playMedia without callId", "/media/playMedia", map[string]any{"urls": "short.wav"}, 2, "callId", 0},
		{"playMedia without urls", "/media/playMedia", map[string]any{"callId": callID}, 2, "urls", 0},
		{"malformed JSON", "/media/playMedia", `{"callId": "` + callID + `", "urls": `, 2, "", 0},
		{"body over 64 KiB", "/media/playMedia", strings.Repeat(" ", 70<<10) + `{"callId": "` + callID + `", "urls": "short.wav"}`, 2, "", 0},
		{"stopMedia without callId", "/media/stopMedia", map[string]any{}, 2, "callId", 0},
		{"monitor-call without c-rtp", "/remote/monitor-call", with(mon, "c-rtp", nil), 2, "c-rtp", 0},
		{"monitor-call without id", "/remote/monitor-call", with(mon, "id", nil), 2, "id", 0},
		{"monitor-call without from-tag", "/remote/monitor-call", with(mon, "from-tag", ""), 2, "from-tag", 0},
		{"subscribe without url", "/event/subscribe", with(sub, "url", ""), 2, "url", 0},

		{"deviceId without @", "/remote/monitor-call", with(mon, "deviceId", cloudIVR), 10001, "", 0},
		{"deviceId of another namespace", "/remote/monitor-call", with(mon, "deviceId", cloudIVR+"@other.cc"), 10001, "", 0},
		{"c-rtp garbage", "/remote/monitor-call", with(mon, "c-rtp", "garbage"), 10001, "", 0},
		{"a-rtp without port", "/remote/monitor-call", with(mon, "a-rtp", "udp://127.0.0.1"), 10001, "", 0},
		{"subscribe to another namespace", "/event/subscribe", with(sub, "namespace", "other.cc"), 10001, "", 0},

		{"playMedia of an unknown call", "/media/playMedia", with(play("short.wav"), "callId", "no-such-call"), 10002, "", 0},
		{"stopAndPlayMedia of an unknown call", "/media/stopAndPlayMedia", map[string]any{"callid": "no-such-call", "urls": "short.wav"}, 10002, "", 0},
		{"monitor-call of an unknown call", "/remote/monitor-call", with(mon, "callId", "no-such-call"), 10002, "", 0},
		{"monitor-call with another from-tag", "/remote/monitor-call", with(mon, "from-tag", "not-"+c.fromTag), 10002, "", 0},
		{"monitor-call with another to-tag", "/remote/monitor-call", with(mon, "to-tag", "not-"+c.toTag), 10002, "", 0},
		{"monitor-call with another sip-callId", "/remote/monitor-call", with(mon, "sip-callId", "x"+c.callID), 10002, "", 0},

		{"c-rtp tcp://", "/remote/monitor-call", with(mon, "c-rtp", "tcp://127.0.0.1:9"), 10003, "", 0},
		{"subscribe an ftp URL", "/event/subscribe", with(sub, "url", "ftp://127.0.0.1/events"), 10003, "", 0},
		{"subscribe an unknown topic", "/event/subscribe", with(sub, "topics", []string{"ivr", "nope"}), 10003, "", 0},
		{"playMedia of a call not in a cloud IVR", "/media/playMedia", with(play("short.wav"), "callId", plainID), 10003, "", 0},

		{"a prompt that does not exist", "/media/playMedia", play("nosuch.wav"), 10004, "nosuch.wav", 0},
		{"a list with a missing prompt", "/media/playMedia", play("short.wav;nosuch.wav"), 10004, "nosuch.wav", 0},
		{"a URL that is not found", "/media/playMedia", play(media.url("/missing.wav")), 10004, media.url("/missing.wav"), 0},
		{"a URL that times out", "/media/playMedia", play(media.url("/slow.wav")), 10004, media.url("/slow.wav"), 90 * time.Second},
		{"a URL too large", "/media/playMedia", play(media.url("/huge.wav")), 10004, media.url("/huge.wav"), 90 * time.Second},
		{"a URL redirected to file://", "/media/playMedia", play(media.url("/redirect.wav")), 10004, media.url("/redirect.wav"), 0},
		{"a URL that is not audio", "/media/playMedia", play(media.url("/page.wav")), 10004, media.url("/page.wav"), 0},

		{"deviceId naming no IVR", "/remote/monitor-call", with(mon, "deviceId", device("9999")), 10005, "", 0},
		{"deviceId of another IVR", "/remote/monitor-call", with(mon, "deviceId", device(plainIVR)), 10005, "", 0},
		{"unsubscribe an unknown id", "/event/unsubscribe", map[string]any{"id": "no-such-subscription"}, 10005, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			api := *cb.api
			api.t, api.wait = t, tc.wait
			asked := time.Now()
			a := api.fail("POST", tc.path, tc.body, tc.code)
			if tc.mentions != "" && !strings.Contains(a.str("message"), tc.mentions) {
				t.Errorf("message %q does not name %q", a.str("message"), tc.mentions)
			}
			if body, ok := tc.body.(map[string]any); ok && tc.path != "/event/unsubscribe" {
				checkEchoed(t, body, a)
			}
			if tc.wait > 0 {
				t.Logf("answered in %v", time.Since(asked))
			}
		})
	}
	if n := sink.count(); n > 0 {
		t.Errorf("the refused monitor-calls sent %d packets", n)
	}

	// Successes that look like errors.
	if a := cb.api.ok("/media/stopMedia", map[string]any{"callId": callID}); a.str("callId") != callID {
		t.Errorf("stopMedia with nothing playing: %s", a.Body)
	}
	if a := cb.api.ok("/remote/stop-monitor-call", map[string]any{"id": "stop-1", "callId": callID}); a.str("id") != "stop-1" || a.str("result") != "success" {
		t.Errorf("stop-monitor-call without a monitor: %s", a.Body)
	}
	if a := cb.api.ok("/cloud/media/stopMedia", map[string]any{"callId": callID}); a.str("callId") != callID {
		t.Errorf("under /cloud: %s", a.Body)
	}
	bearer := *cb.api
	bearer.auth = "Bearer " + cb.api.token
	if a := bearer.ok("/media/stopMedia", map[string]any{"callId": callID}); a.str("callId") != callID {
		t.Errorf("with a Bearer token: %s", a.Body)
	}
	other := cb.subscribe(app.url() + "?second")
	if a := cb.api.ok("/event/unsubscribe", map[string]any{"id": other}); a.str("id") != other || a.str("result") != "success" {
		t.Errorf("unsubscribe: %s", a.Body)
	}

	// Tokens: missing, wrong, not the Authorization's (three failures, far from the throttle).
	none := *cb.api
	none.token = ""
	none.fail("POST", "/media/stopMedia", map[string]any{"callId": callID}, 401)
	wrong := *cb.api
	wrong.token = "00000000-0000-4000-8000-000000000000"
	wrong.fail("POST", "/media/playMedia", play("short.wav"), 401)
	cb.api.fail("POST", "/remote/monitor-call", with(mon, "token", wrong.token), 401)

	// A call that ended.
	c.hangup()
	app.waitEvent(10*time.Second, callID, "IvrEndedEvent")
	cb.api.fail("POST", "/media/playMedia", play("short.wav"), 10002)
	cb.api.fail("POST", "/remote/monitor-call", mon, 10002)
}

// checkEchoed checks that an error answer repeats the request's id and
// callId (given as callId or callid).
func checkEchoed(t *testing.T, body map[string]any, a apiAnswer) {
	t.Helper()
	for k, key := range map[string]string{"id": "id", "callId": "callId", "callid": "callId"} {
		if want, _ := body[k].(string); want != "" && len(want) < 1024 && a.str(key) != want {
			t.Errorf("the error does not echo %s %q: %s", key, want, a.Body)
		}
	}
}

// TestCloudThrottle: more than ten failed authentications from one address
// within a minute: that address gets 429 (code 429), even with a good
// token; the first ten failures get 401. A revoked token is refused like a
// wrong one.
func TestCloudThrottle(t *testing.T) {
	t.Parallel()
	cb := startCloudBox(t, cloudConfig(`{}`))
	var spare struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	cb.adm.must("POST", "cloud/tokens", map[string]string{"name": "revoked"}, http.StatusCreated, &spare)
	revoked := *cb.api
	revoked.token = spare.Token
	if a := revoked.do("GET", "/event/subscriptions", nil); a.Status != http.StatusOK {
		t.Fatalf("a fresh token: %d %s", a.Status, a.Body)
	}
	cb.adm.must("DELETE", "cloud/tokens/"+spare.ID, nil, http.StatusNoContent, nil)
	revoked.fail("POST", "/media/stopMedia", map[string]any{"callId": "x"}, 401)
	wrong := *cb.api
	wrong.token = "ffffffff-ffff-4fff-bfff-ffffffffffff"
	for i := range 9 { // with the revoked one, ten failures: not yet more than ten
		if a := wrong.fail("POST", "/media/stopMedia", map[string]any{"callId": "x"}, 401); a.Status != 401 {
			t.Fatalf("failure %d (one with the revoked token, %d with a wrong one) was throttled: more than 10 are needed", i+2, i+1)
		}
	}
	// The eleventh: "more than 10 failures" may refuse it already or count
	// it and refuse the next request.
	if a := wrong.do("POST", "/media/stopMedia", map[string]any{"callId": "x"}); a.Status != 401 && a.Status != 429 {
		t.Errorf("the eleventh failure: %d %s, want 401 or 429", a.Status, a.Body)
	}
	cb.api.fail("GET", "/event/subscriptions", nil, 429)
	cb.api.fail("POST", "/event/subscribe", map[string]any{"url": "http://127.0.0.1:9/x"}, 429)
}
