package pbx

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/route"
)

func TestRequestErrors(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	for _, tc := range []struct{ name, method, path, body, want string }{
		{"GET", http.MethodGet, Prefix + "outbound/query", "", failed(ErrnoMethod)},
		{"PUT login", http.MethodPut, Prefix + "login", "", failed(ErrnoMethod)},
		{"unknown path", http.MethodPost, Prefix + "extension/dial_outbound", "{}", failed(ErrnoUnsupported)},
		{"prefix only", http.MethodPost, Prefix, "{}", failed(ErrnoUnsupported)},
		{"other version", http.MethodPost, "/api/v2.0.0/outbound/query", "{}", failed(ErrnoUnsupported)},
		{"older version", http.MethodPost, "/api/v1.0.0/heartbeat", "{}", failed(ErrnoUnsupported)},
		{"upper-case V", http.MethodPost, "/api/V1.1.0/heartbeat", "{}", failed(ErrnoUnsupported)},
		{"short version", http.MethodPost, "/api/v2/login", "{}", failed(ErrnoUnsupported)},
		{"root", http.MethodPost, Root, "{}", failed(ErrnoUnsupported)},
		{"version only", http.MethodPost, "/api/v1.1.0", "{}", failed(ErrnoUnsupported)},
		{"GET another version", http.MethodGet, "/api/v1.0.0/heartbeat", "", failed(ErrnoMethod)},
		{"trailing slash", http.MethodPost, Prefix + "outbound/query/", "{}", failed(ErrnoUnsupported)},
		{"malformed JSON", http.MethodPost, Prefix + "ivr/dial_outbound", `{"ivrid":"6500"`, failed(ErrnoJSON)},
		{"array", http.MethodPost, Prefix + "ivr/dial_outbound", `[{"ivrid":"6500"}]`, failed(ErrnoJSON)},
		{"string", http.MethodPost, Prefix + "ivr/dial_outbound", `"6500"`, failed(ErrnoJSON)},
		{"null", http.MethodPost, Prefix + "ivr/dial_outbound", `null`, failed(ErrnoJSON)},
		{"trailing data", http.MethodPost, Prefix + "ivr/dial_outbound", `{"ivrid":"6500"} {}`, failed(ErrnoJSON)},
		{"too large", http.MethodPost, Prefix + "ivr/dial_outbound",
			`{"ivrid":"6500","outto":"10086","fromext":"1000","x":"` + strings.Repeat("a", MaxBody) + `"}`, failed(ErrnoJSON)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.do(tc.method, tc.path, tok, tc.body, "192.168.1.20:1"); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	if ops := e.calls.Ops(); len(ops) != 0 {
		t.Fatalf("the call manager was asked %v", ops)
	}
}

func TestDialOutbound(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	// The seed's request, and ivrid as a JSON number.
	for _, body := range []string{
		`{"ivrid": "6500", "outto": "10086", "fromext": "1000"}`,
		`{"ivrid": 6500, "outto": "10086", "fromext": 1000, "unknown": true}`,
	} {
		if got := e.post("ivr/dial_outbound", tok, body); got != `{"status":"Success","callid":"1552976047.56"}` {
			t.Fatalf("%s: %s", body, got)
		}
	}
	want := []string{"dial 6500 10086 1000", "dial 6500 10086 1000"}
	if ops := e.calls.Ops(); !slices.Equal(ops, want) {
		t.Fatalf("asked %v, want %v", ops, want)
	}
}

func TestDialOutboundRefused(t *testing.T) {
	e := newEnv(t)
	tok := e.login()
	for _, tc := range []struct{ name, body, want string }{
		{"no ivrid", `{"outto":"10086","fromext":"1000"}`, ErrnoParam},
		{"empty ivrid", `{"ivrid":"","outto":"10086","fromext":"1000"}`, ErrnoParam},
		{"null ivrid", `{"ivrid":null,"outto":"10086","fromext":"1000"}`, ErrnoParam},
		{"no outto", `{"ivrid":"6500","fromext":"1000"}`, ErrnoParam},
		{"no fromext", `{"ivrid":"6500","outto":"10086"}`, ErrnoParam},
		{"ivrid array", `{"ivrid":["6500"],"outto":"10086","fromext":"1000"}`, ErrnoParam},
		{"outto control char", `{"ivrid":"6500","outto":"100\u000086","fromext":"1000"}`, ErrnoParam},
		{"outto too long", `{"ivrid":"6500","outto":"` + strings.Repeat("1", maxValue+1) + `","fromext":"1000"}`, ErrnoParam},
		{"bad number", `{"ivrid":"6500","outto":"10086;user=phone","fromext":"1000"}`, ErrnoBadNumber},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.post("ivr/dial_outbound", tok, tc.body); got != failed(tc.want) {
				t.Fatalf("got %s, want errno %s", got, tc.want)
			}
		})
	}
	if ops := e.calls.Ops(); len(ops) != 0 {
		t.Fatalf("the call manager was asked %v", ops)
	}
}

func TestCallErrorsMapped(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("dial: %w", call.ErrBusy), ErrnoBusy},
		{fmt.Errorf("dial: %w", call.ErrNoTrunk), ErrnoNoTrunk},
		{fmt.Errorf("dial: %w", call.ErrNotAllowed), ErrnoNotAllowed},
		{fmt.Errorf("dial: %w", call.ErrNoRoute), ErrnoBadNumber},
		{fmt.Errorf("dial: %w", call.ErrUnknownAccount), ErrnoUnknownAccount},
		{fmt.Errorf("dial: %w", call.ErrUnknownIVR), ErrnoUnknownIVR},
		{fmt.Errorf("dial: %w", route.ErrNotAllowed), ErrnoNotAllowed},
		{&call.Error{Code: call.CodeNoRoute, Op: "dial"}, ErrnoBadNumber},
		{errors.New("disk on fire"), ErrnoInternal},
	} {
		e := newEnv(t)
		e.calls.dialErr = tc.err
		tok := e.login()
		if got := e.post("ivr/dial_outbound", tok, `{"ivrid":"6500","outto":"10086","fromext":"1000"}`); got != failed(tc.want) {
			t.Errorf("%v: got %s, want errno %s", tc.err, got, tc.want)
		}
		logged := strings.Contains(e.logs.String(), "disk on fire")
		if logged != (tc.want == ErrnoInternal) {
			t.Errorf("%v: logged=%v", tc.err, logged)
		}
	}
}

// withCall is an env with the seed's outbound call and an inbound call live.
func withCall(t testing.TB) (*env, string) {
	e := newEnv(t)
	e.calls.calls = []call.Info{
		{ID: "1552976047.56", Leg: "1552976047.58", Dir: dirOutbound, From: "6500", To: "10086",
			Trunk: "192.168.9.121", IVR: "6501", State: "answered", FromExt: "1000",
			Started: e.clock.Now(), Answered: e.clock.Now()},
		{ID: "1552976100.60", Dir: dirInbound, From: "13800000000", To: "88001234", Trunk: "office",
			IVR: "6500", State: "ringing", Started: e.clock.Now().Add(time.Second)},
	}
	return e, e.login()
}

func TestTransfer(t *testing.T) {
	e, tok := withCall(t)
	// The seed's request: by leg id, no fromext.
	if got := e.post("outbound/transfer_number", tok, `{ "outboundid": "1552976047.58", "number": "6502" }`); got != `{"status":"Success","callid":"1552976047.56"}` {
		t.Fatalf("outbound transfer: %s", got)
	}
	if got := e.post("inbound/transfer_number", tok, `{"inboundid":"1552976100.60","number":"6503","fromext":"1000"}`); got != `{"status":"Success","callid":"1552976100.60"}` {
		t.Fatalf("inbound transfer: %s", got)
	}
	if got := e.post("calltransfer", tok, `{"callid":"1552976047.56","transferor":"10086","transferto":"13900000000","fromext":"1000"}`); got != `{"status":"Success","callid":"1552976047.56"}` {
		t.Fatalf("calltransfer: %s", got)
	}
	want := []string{"transfer 1552976047.58 6502 ", "transfer 1552976100.60 6503 1000", "transfer 1552976047.56 13900000000 1000"}
	if ops := e.calls.Ops(); !slices.Equal(ops, want) {
		t.Fatalf("asked %v, want %v", ops, want)
	}
}

func TestTransferRefused(t *testing.T) {
	e, tok := withCall(t)
	for _, tc := range []struct{ name, path, body, want string }{
		{"no id", "outbound/transfer_number", `{"number":"6502"}`, ErrnoParam},
		{"no number", "outbound/transfer_number", `{"outboundid":"1552976047.58"}`, ErrnoParam},
		{"fromext bool", "outbound/transfer_number", `{"outboundid":"1552976047.58","number":"6502","fromext":false}`, ErrnoParam},
		{"unknown call", "outbound/transfer_number", `{"outboundid":"1552976047.99","number":"6502"}`, ErrnoUnknownCall},
		{"inbound id on outbound", "outbound/transfer_number", `{"outboundid":"1552976100.60","number":"6502"}`, ErrnoUnknownCall},
		{"outbound id on inbound", "inbound/transfer_number", `{"inboundid":"1552976047.58","number":"6502"}`, ErrnoUnknownCall},
		{"bad number", "outbound/transfer_number", `{"outboundid":"1552976047.58","number":"65 02"}`, ErrnoBadNumber},
		{"calltransfer no target", "calltransfer", `{"callid":"1552976047.56"}`, ErrnoParam},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.post(tc.path, tok, tc.body); got != failed(tc.want) {
				t.Fatalf("got %s, want errno %s", got, tc.want)
			}
		})
	}
	if ops := e.calls.Ops(); len(ops) != 0 {
		t.Fatalf("the call manager was asked %v", ops)
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("x: %w", call.ErrNotUp), ErrnoNotUp},
		{fmt.Errorf("x: %w", call.ErrNotRegistered), ErrnoNotUp},
		{fmt.Errorf("x: %w", call.ErrNotAllowed), ErrnoNotAllowed},
		{fmt.Errorf("x: %w", call.ErrNoRoute), ErrnoBadNumber},
		{fmt.Errorf("x: %w", call.ErrUnknownIVR), ErrnoUnknownIVR},
		{fmt.Errorf("x: %w", call.ErrUnknownCall), ErrnoUnknownCall},
		{fmt.Errorf("x: %w", call.ErrUnknownAccount), ErrnoUnknownAccount},
		{fmt.Errorf("x: %w", call.ErrBusy), ErrnoBusy},
	} {
		e.calls.xferErr = tc.err
		if got := e.post("outbound/transfer_number", tok, `{"outboundid":"1552976047.58","number":"13900000000"}`); got != failed(tc.want) {
			t.Errorf("%v: got %s, want errno %s", tc.err, got, tc.want)
		}
	}
}

func TestHangup(t *testing.T) {
	e, tok := withCall(t)
	for _, tc := range []struct{ path, body, want string }{
		{"outbound/hangup", `{"outboundid":"1552976047.58"}`, `{"status":"Success"}`},
		{"inbound/hangup", `{"inboundid":"1552976100.60"}`, `{"status":"Success"}`},
		{"call/hangup", `{"callid":"1552976047.56"}`, `{"status":"Success"}`},
		{"outbound/hangup", `{"outboundid":"1552976100.60"}`, failed(ErrnoUnknownCall)},
		{"inbound/hangup", `{"inboundid":"1552976047.58"}`, failed(ErrnoUnknownCall)},
		{"call/hangup", `{"callid":"1.2"}`, failed(ErrnoUnknownCall)},
		{"outbound/hangup", `{}`, failed(ErrnoParam)},
		{"inbound/hangup", ``, failed(ErrnoParam)},
	} {
		if got := e.post(tc.path, tok, tc.body); got != tc.want {
			t.Errorf("%s %s: got %s, want %s", tc.path, tc.body, got, tc.want)
		}
	}
	want := []string{"hangup 1552976047.58 api", "hangup 1552976100.60 api", "hangup 1552976047.56 api"}
	if ops := e.calls.Ops(); !slices.Equal(ops, want) {
		t.Fatalf("asked %v, want %v", ops, want)
	}
	e.calls.hupErr = fmt.Errorf("gone: %w", call.ErrUnknownCall)
	if got := e.post("call/hangup", tok, `{"callid":"1552976047.56"}`); got != failed(ErrnoUnknownCall) {
		t.Fatalf("call ended meanwhile: %s", got)
	}
}

func TestQuery(t *testing.T) {
	e, tok := withCall(t)
	out := `{"outboundid":"1552976047.58","from":"6500","to":"10086","trunk":"192.168.9.121","status":"Talking","callid":"1552976047.56"}`
	in := `{"inboundid":"1552976100.60","from":"13800000000","to":"88001234","trunk":"office","status":"Progress","callee":[{"ivrid":"6500"}],"callid":"1552976100.60"}`
	for _, tc := range []struct{ path, body, want string }{
		{"outbound/query", ``, `{"status":"Success","outbound":[` + out + `]}`},
		{"outbound/query", `{"outboundid":"1552976047.58"}`, `{"status":"Success","outbound":[` + out + `]}`},
		{"outbound/query", `{"outboundid":"1.1, 1552976047.56"}`, `{"status":"Success","outbound":[` + out + `]}`},
		{"outbound/query", `{"outboundid":"1552976100.60"}`, failed(ErrnoUnknownCall)},
		{"outbound/query", `{"outboundid":[1]}`, failed(ErrnoParam)},
		{"inbound/query", `{}`, `{"status":"Success","inbound":[` + in + `]}`},
		{"inbound/query", `{"inboundid":"1552976100.60"}`, `{"status":"Success","inbound":[` + in + `]}`},
		{"call/query", ``, `{"status":"Success","outbound":[` + out + `],"inbound":[` + in + `]}`},
		{"call/query", `{"callid":"1552976100.60"}`, `{"status":"Success","outbound":[],"inbound":[` + in + `]}`},
		{"call/query", `{"callid":"9.9"}`, failed(ErrnoUnknownCall)},
	} {
		if got := e.post(tc.path, tok, tc.body); got != tc.want {
			t.Errorf("%s %s:\n got %s\nwant %s", tc.path, tc.body, got, tc.want)
		}
	}
}

func TestNoCallsWired(t *testing.T) {
	a := New(Options{Config: testConfig})
	defer a.Close()
	e := &env{t: t, api: a}
	tok := e.login()
	for _, p := range []string{"outbound/query", "call/hangup", "outbound/transfer_number"} {
		if got := e.post(p, tok, `{"callid":"1","outboundid":"1","number":"6502"}`); got != failed(ErrnoInternal) {
			t.Errorf("%s without Calls: %s", p, got)
		}
	}
	if got := e.post("ivr/dial_outbound", tok, `{"ivrid":"6500","outto":"10086","fromext":"1000"}`); got != failed(ErrnoInternal) {
		t.Errorf("dial without Calls: %s", got)
	}
}

// TestMountedAtRoot: mounted at Root next to a more specific API and a
// catch-all page, every other path under /api/ answers this API's JSON
// (errno 10003), never the page's plain-text 405.
func TestMountedAtRoot(t *testing.T) {
	e := newEnv(t)
	mux := http.NewServeMux()
	mux.Handle(Root, e.api.Handler())
	mux.HandleFunc("/api/admin/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	})
	for _, path := range []string{"/api/v1.0.0/heartbeat", "/api/V1.1.0/heartbeat", "/api/v2/heartbeat",
		"/api/v1.1.0/extension/query", "/api/"} {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader("{}"))
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if ct := w.Header().Get("Content-Type"); w.Code != http.StatusOK || !strings.HasPrefix(ct, "application/json") ||
			strings.TrimSpace(w.Body.String()) != failed(ErrnoUnsupported) {
			t.Errorf("POST %s: %d %s %q, want 200 application/json %s", path, w.Code, ct, w.Body, failed(ErrnoUnsupported))
		}
	}
	r := httptest.NewRequest(http.MethodPost, Prefix+"login", strings.NewReader(
		`{"username":"api","password":"`+md5hex(testPassword)+`"}`))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if !strings.Contains(w.Body.String(), `"status":"Success"`) {
		t.Errorf("login through the mux: %s", w.Body)
	}
	r = httptest.NewRequest(http.MethodPost, "/api/admin/x", nil)
	w = httptest.NewRecorder()
	if mux.ServeHTTP(w, r); w.Code != http.StatusTeapot {
		t.Errorf("/api/admin/ went to the PBX API: %d", w.Code)
	}
}
