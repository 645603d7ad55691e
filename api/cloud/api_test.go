package cloud

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/ivrbox/ivrbox/api/internal/authlimit"
	"github.com/ivrbox/ivrbox/firmware/call"
)

// TestAuth: the raw token (and Bearer) passes; a missing or wrong one is
// 401 in the error shape; ten failures block the address, even with the
// right token.
func TestAuth(t *testing.T) {
	r := newRig(t, nil, nil)
	body := map[string]string{"callId": "x"}
	if a := r.post("/media/stopMedia", "", body); a.Status != http.StatusUnauthorized || a.code() != CodeUnauthorized ||
		a.Body["result"] != "fail" || a.Body["message"] == "" {
		t.Fatalf("no token: %+v", a)
	}
	if a := r.post("/media/stopMedia", "Bearer "+testToken, body); a.code() != CodeNoCall {
		t.Fatalf("Bearer token: %+v", a)
	}
	if a := r.post("/cloud/media/stopMedia", testToken, body); a.code() != CodeNoCall {
		t.Fatalf("under the prefix: %+v", a)
	}
	for i := 0; i < authlimit.FailLimit; i++ {
		if a := r.post("/media/stopMedia", "wrong", body); a.Status != http.StatusUnauthorized && a.Status != http.StatusTooManyRequests {
			t.Fatalf("wrong token %d: %+v", i, a)
		}
	}
	if a := r.post("/media/stopMedia", testToken, body); a.Status != http.StatusTooManyRequests || a.code() != CodeTooManyRequest {
		t.Fatalf("after %d failures: %+v", authlimit.FailLimit, a)
	}
}

// TestErrorCodes: each code from a request that causes it, with its HTTP
// status and the request's ids echoed.
func TestErrorCodes(t *testing.T) {
	calls := fakeCalls{infos: map[string]call.Info{
		"c1": {ID: "c1", SIPCallID: "sip1", FromTag: "ft", ToTag: "tt", IVR: "6001"},
	}}
	r := newRig(t, nil, calls)
	mon := func(mod func(m map[string]string)) map[string]string {
		m := map[string]string{"id": "req1", "token": testToken, "callId": "c1", "sip-callId": "sip1",
			"from-tag": "ft", "to-tag": "tt", "a-rtp": "udp://127.0.0.1:4000", "c-rtp": "udp://127.0.0.1:4002",
			"deviceId": "6001@test.cc"}
		mod(m)
		return m
	}
	tests := []struct {
		name   string
		path   string
		body   any
		code   int
		status int
	}{
		{"malformed JSON", "/media/playMedia", `{"callId":`, CodeEmpty, 400},
		{"empty body", "/media/playMedia", ``, CodeEmpty, 400},
		{"wrong type", "/media/playMedia", `{"callId":5}`, CodeEmpty, 400},
		{"missing callId", "/media/playMedia", map[string]string{"urls": "welcome.wav"}, CodeEmpty, 400},
		{"missing urls", "/media/playMedia", map[string]string{"callId": "c1"}, CodeEmpty, 400},
		{"only separators", "/media/playMedia", map[string]string{"callId": "nope", "urls": ";;"}, CodeNoCall, 404},
		{"unknown call", "/media/stopMedia", map[string]string{"callId": "nope"}, CodeNoCall, 404},
		{"callid spelling", "/media/stopAndPlayMedia", map[string]string{"callid": "nope", "urls": "a.wav"}, CodeNoCall, 404},
		{"call not in a cloud IVR", "/media/stopMedia", map[string]string{"callId": "c1"}, CodeNotSupported, 501},
		{"monitor: missing to-tag", "/remote/monitor-call", mon(func(m map[string]string) { delete(m, "to-tag") }), CodeEmpty, 400},
		{"monitor: body token differs", "/remote/monitor-call", mon(func(m map[string]string) { m["token"] = "x" }), CodeUnauthorized, 401},
		{"monitor: tcp target", "/remote/monitor-call", mon(func(m map[string]string) { m["c-rtp"] = "tcp://127.0.0.1:1" }), CodeNotSupported, 501},
		{"monitor: garbage target", "/remote/monitor-call", mon(func(m map[string]string) { m["a-rtp"] = "garbage" }), CodeBadDevice, 400},
		{"monitor: port 0", "/remote/monitor-call", mon(func(m map[string]string) { m["a-rtp"] = "udp://127.0.0.1:0" }), CodeBadDevice, 400},
		{"monitor: device without @", "/remote/monitor-call", mon(func(m map[string]string) { m["deviceId"] = "6001" }), CodeBadDevice, 400},
		{"monitor: wrong namespace", "/remote/monitor-call", mon(func(m map[string]string) { m["deviceId"] = "6001@other.cc" }), CodeBadDevice, 400},
		{"monitor: no such IVR", "/remote/monitor-call", mon(func(m map[string]string) { m["deviceId"] = "6999@test.cc" }), CodeNoRoute, 404},
		{"monitor: unknown call", "/remote/monitor-call", mon(func(m map[string]string) { m["callId"] = "c9" }), CodeNoCall, 404},
		{"monitor: from-tag differs", "/remote/monitor-call", mon(func(m map[string]string) { m["from-tag"] = "zz" }), CodeNoCall, 404},
		{"monitor: not a cloud call", "/remote/monitor-call", mon(func(map[string]string) {}), CodeNotSupported, 501},
		{"subscribe: no url", "/event/subscribe", map[string]any{"topics": []string{"ivr"}}, CodeEmpty, 400},
		{"subscribe: ftp", "/event/subscribe", map[string]any{"url": "ftp://x/y"}, CodeNotSupported, 501},
		{"subscribe: topic", "/event/subscribe", map[string]any{"url": "http://127.0.0.1:1/", "topics": []string{"agent"}}, CodeNotSupported, 501},
		{"subscribe: namespace", "/event/subscribe", map[string]any{"url": "http://127.0.0.1:1/", "namespace": "x.cc"}, CodeBadDevice, 400},
		{"unsubscribe: unknown", "/event/unsubscribe", map[string]string{"id": "nope"}, CodeNoRoute, 404},
		{"too large", "/media/playMedia", `{"callId":"` + string(make([]byte, MaxBody)) + `"}`, CodeEmpty, 400},
	}
	for _, tc := range tests {
		a := r.post(tc.path, testToken, tc.body)
		if a.code() != tc.code || a.Status != tc.status || a.Body["result"] != "fail" || a.Body["message"] == "" {
			t.Errorf("%s: %d %+v, want code %d status %d", tc.name, a.Status, a.Body, tc.code, tc.status)
		}
	}
	if a := r.post("/remote/monitor-call", testToken, mon(func(m map[string]string) { m["to-tag"] = "zz" })); a.Body["id"] != "req1" || a.Body["callId"] != "c1" {
		t.Errorf("ids not echoed: %+v", a.Body)
	}
}

// TestMediaChecked: media that cannot be loaded is refused with 10004
// before anything is queued.
func TestMediaChecked(t *testing.T) {
	r := newRig(t, nil, fakeCalls{})
	s := newSession(r.api, "c1", "6001", "leg1", r.cfg.IVRs[len(r.cfg.IVRs)-1].CloudSettings())
	r.api.sessions["c1"] = s
	a := r.post("/media/playMedia", testToken, map[string]string{"callId": "c1", "urls": "welcome.wav;missing.wav"})
	if a.code() != CodeNoMedia || a.Status != http.StatusNotFound {
		t.Fatalf("missing media: %+v", a)
	}
	// Known media, but the call cannot be taken (the fake offers nothing).
	if a := r.post("/media/playMedia", testToken, map[string]string{"callId": "c1", "urls": "welcome.wav"}); a.code() != CodeNotSupported {
		t.Fatalf("call not offered: %+v", a)
	}
}

// TestShuttingDown: once the API is closed (the box stops), requests get
// 10006, the call manager being unavailable.
func TestShuttingDown(t *testing.T) {
	r := newRig(t, nil, nil)
	_ = r.api.Close()
	_ = r.api.Close() // idempotent
	if a := r.post("/media/stopMedia", testToken, map[string]string{"callId": "c1"}); a.code() != CodeNoCallManager || a.Status != http.StatusServiceUnavailable {
		t.Fatalf("after Close: %+v", a)
	}
}

// TestFromCall: the call core's codes map to the seed's.
func TestFromCall(t *testing.T) {
	for c, want := range map[call.Code]int{
		call.CodeUnknownCall: CodeNoCall, call.CodeEnded: CodeNoSIPServer, call.CodeShutdown: CodeNoCallManager,
		call.CodeNotOffered: CodeNotSupported, call.CodeBadRequest: CodeBadDevice, call.CodeInternal: CodeInternal,
	} {
		if got := fromCall(&call.Error{Code: c}); got.Code != want {
			t.Errorf("%s: %d, want %d", c, got.Code, want)
		}
	}
}

// TestUnknownEndpoint: a wrong method or path is answered in the API's
// error shape (10003), not with a bare status.
func TestUnknownEndpoint(t *testing.T) {
	r := newRig(t, nil, nil)
	for _, c := range []struct{ method, path string }{{"GET", "/media/playMedia"}, {"POST", "/media/pauseMedia"}, {"DELETE", "/cloud/event/subscribe"}} {
		req, _ := http.NewRequest(c.method, r.srv.URL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotImplemented || body["code"] != float64(CodeNotSupported) || body["result"] != "fail" {
			t.Errorf("%s %s: %d %v", c.method, c.path, resp.StatusCode, body)
		}
	}
}
