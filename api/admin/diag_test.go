package admin

import (
	"net/http"
	"strings"
	"testing"
)

// TestDiagnosticsEndpointsWithoutParts: a box without traces, log or
// registrar answers 501 with a code; bad parameters answer 400 with a code.
func TestDiagnosticsEndpointsWithoutParts(t *testing.T) {
	e := newEnv(t)
	who := e.login()
	for path, code := range map[string]string{
		"traces": "box.no_traces", "calls/x/trace": "box.no_traces", "logs": "box.no_log",
		"registrations": "box.no_registrations",
	} {
		var body errorBody
		e.do(who, "GET", path, nil).want(t, http.StatusNotImplemented).decode(t, &body)
		if body.Code != code {
			t.Errorf("GET %s: code %q, want %q", path, body.Code, code)
		}
	}
	for path, code := range map[string]string{
		"records?refused=maybe": "query.not_bool", "records?from=yesterday": "query.not_time_or_date",
		"records?format=xml": "query.format", "records?limit=0": "query.not_int",
	} {
		var body errorBody
		e.do(who, "GET", path, nil).want(t, http.StatusBadRequest).decode(t, &body)
		if body.Code != code {
			t.Errorf("GET %s: code %q, want %q (%s)", path, body.Code, code, body.Error)
		}
	}
	r := e.do(who, "GET", "records?format=csv&from=2025-03-01&to=2025-03-01", nil).want(t, http.StatusOK)
	if !strings.HasPrefix(string(r.body), "started,answered,ended,") {
		t.Errorf("empty CSV: %q", r.body)
	}
	var d map[string]any
	e.do(who, "GET", "dashboard", nil).want(t, http.StatusOK).decode(t, &d)
	if d["calls"] == nil || d["time_zone"] == "" {
		t.Errorf("dashboard %v", d)
	}
	e.do(who, "GET", "diagnostics", nil).want(t, http.StatusOK)
	e.do(as{}, "GET", "diagnostics", nil).want(t, http.StatusUnauthorized)
}
