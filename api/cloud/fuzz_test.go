package cloud

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest: any body to any endpoint gets an answer in the API's
// shapes (never a panic), and what the parsers accept is well formed.
func FuzzRequest(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","token":"t","callId":"c","sip-callId":"s","from-tag":"f","to-tag":"t","a-rtp":"udp://127.0.0.1:1","c-rtp":"udp://[::1]:2","deviceId":"6001@test.cc"}`,
		`{"callId":"c","urls":"a.wav;b.wav"}`, `{"callid":"c"}`, `{"url":"http://x/","topics":["ivr"]}`,
		`{"id":5}`, `[`, ``, `null`, `{"urls":";;;"}`,
	} {
		f.Add(s, "udp://h:1", "6001@test.cc")
	}
	r := newRig(f, nil, nil)
	paths := []string{"/remote/monitor-call", "/remote/stop-monitor-call", "/media/playMedia", "/media/stopMedia",
		"/media/stopAndPlayMedia", "/event/subscribe", "/event/unsubscribe"}
	f.Fuzz(func(t *testing.T, body, rtp, dev string) {
		for _, p := range paths {
			w := httptest.NewRecorder()
			req := httptest.NewRequest("POST", p, bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", testToken)
			r.api.Handler().ServeHTTP(w, req)
			if w.Code != 200 && !strings.Contains(w.Body.String(), `"result":"fail"`) {
				t.Fatalf("%s %q: %d %s", p, body, w.Code, w.Body)
			}
		}
		if parseRTP("a-rtp", rtp) == nil && !strings.HasPrefix(strings.ToLower(rtp), "udp://") {
			t.Fatalf("accepted %q", rtp)
		}
		if n, e := r.api.device(dev); e == nil && (n == "" || strings.Trim(n, "0123456789") != "") {
			t.Fatalf("device %q gave number %q", dev, n)
		}
	})
}
