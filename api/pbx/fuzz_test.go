package pbx

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
)

// FuzzDecodeParams checks that any body decodes without panicking, that
// accepted values are clean, and that well-formed objects of strings keep
// their values. The seed corpus is in testdata/fuzz/FuzzDecodeParams.
func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{"ivrid": "6500", "outto": "10086", "fromext": "1000"}`,
		`{"ivrid": 6500, "outto": 10086.5, "fromext": -1e3}`, `{"outboundid":null}`,
		`{"a":{"b":[1,2]}}`, `[1]`, `{"a":"\u0000"}`, `{"a":"x"} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeParams(body)
		if err != nil {
			return
		}
		for k, v := range p.v {
			if !cleanValue(v) {
				t.Fatalf("accepted unclean value %q", v)
			}
			if p.bad[k] {
				t.Fatalf("%q both good and bad", k)
			}
		}
		var m map[string]string
		if json.Unmarshal(body, &m) == nil && m != nil {
			for k, v := range m {
				if got := p.v[k]; cleanValue(v) && got != strings.TrimSpace(v) { // null reads as ""
					t.Fatalf("%q: got %q, want %q", k, got, v)
				}
			}
		}
	})
}

// FuzzEndpoints sends any body to any endpoint with a live token and checks
// the answer is always HTTP 200 and a documented JSON shape. The seed corpus
// is in testdata/fuzz/FuzzEndpoints.
func FuzzEndpoints(f *testing.F) {
	names := make([]string, 0, len(endpoints))
	for n := range endpoints {
		names = append(names, n)
	}
	sort.Strings(names)
	f.Add(uint8(slices.Index(names, "ivr/dial_outbound")), []byte(`{"ivrid":"6500","outto":"10086","fromext":"1000"}`))
	f.Add(uint8(slices.Index(names, "outbound/transfer_number")), []byte(`{"outboundid":"1552976047.58","number":"6502"}`))
	f.Add(uint8(slices.Index(names, "outbound/query")), []byte(`{"outboundid":"1552976047.58,1"}`))
	f.Add(uint8(slices.Index(names, "login")), []byte(`{"username":"api","password":"x"}`))
	errnos := []string{ErrnoUnsupported, ErrnoParam, ErrnoUnknownAccount, ErrnoUnknownCall, ErrnoUnknownIVR,
		ErrnoNotUp, ErrnoNotAllowed, ErrnoBadNumber, ErrnoBusy, ErrnoNoTrunk, ErrnoJSON, ErrnoMethod,
		ErrnoBlocked, ErrnoLogin, ErrnoNoToken, ErrnoTokenBlank, ErrnoTokenExpired, ErrnoInternal}
	e, tok := withCall(f)
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		name := names[int(which)%len(names)]
		r := httptest.NewRequest(http.MethodPost, Prefix+name+"?token="+tok, strings.NewReader(string(body)))
		r.RemoteAddr = "192.168.1.20:1"
		w := httptest.NewRecorder()
		e.api.Handler().ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: HTTP %d", name, w.Code)
		}
		var m map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s: not JSON: %q", name, w.Body.String())
		}
		switch m["status"] {
		case statusSuccess:
		case statusFailed:
			if s, _ := m["errno"].(string); !slices.Contains(errnos, s) {
				t.Fatalf("%s: undocumented errno in %v", name, m)
			}
		default:
			t.Fatalf("%s: status in %v", name, m)
		}
	})
}
