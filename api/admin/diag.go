package admin

import (
	"bytes"
	"mime"
	"net/http"
	"runtime"
	"time"

	"github.com/ivrbox/ivrbox/firmware/trace"
	"github.com/ivrbox/ivrbox/firmware/version"
)

// Traces are the recent calls' SIP and RTP traces (a *trace.Store).
type Traces interface {
	List() []trace.Summary
	Get(id string) (trace.Trace, bool)
}

// diagRoutes are the diagnostics endpoints.
func (a *API) diagRoutes() []route {
	return []route{
		{"GET", "traces", false, a.getTraces},
		{"GET", "calls/{id}/trace", false, a.getCallTrace}, // ?format=text: a download
		{"GET", "diagnostics", false, a.getDiagnostics},
	}
}

func (a *API) traces() (Traces, error) {
	if a.opt.Traces == nil {
		return nil, httpErr(http.StatusNotImplemented, "this box keeps no call traces")
	}
	return a.opt.Traces, nil
}

// getTraces lists the traced calls, newest first.
func (a *API) getTraces(w http.ResponseWriter, r *http.Request) error {
	t, err := a.traces()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t.List())
	return nil
}

// getCallTrace answers one call's trace (by call id or SIP Call-ID) as
// JSON, or with format=text as a text download.
func (a *API) getCallTrace(w http.ResponseWriter, r *http.Request) error {
	ts, err := a.traces()
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "text" {
		return httpErr(http.StatusBadRequest, "format=%q: want json or text", format)
	}
	id := r.PathValue("id")
	t, ok := ts.Get(id)
	if !ok {
		return httpErr(http.StatusNotFound, "no trace of call %q (the box keeps the last %d calls)", id, trace.DefaultCalls)
	}
	if t.Messages == nil {
		t.Messages = []trace.Message{}
	}
	if format != "text" {
		writeJSON(w, http.StatusOK, t)
		return nil
	}
	var b bytes.Buffer
	if err := trace.WriteText(&b, t); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment",
		map[string]string{"filename": "ivrbox-trace-" + t.SIPCallIDFile() + ".txt"}))
	_, _ = w.Write(b.Bytes())
	return nil
}

// diagnosticsJSON answers GET diagnostics: figures for developers.
type diagnosticsJSON struct {
	Version    string  `json:"version"`
	Go         string  `json:"go"`
	CPUs       int     `json:"cpus"`
	Goroutines int     `json:"goroutines"`
	HeapBytes  uint64  `json:"heap_bytes"`
	SysBytes   uint64  `json:"sys_bytes"`
	RSSMB      float64 `json:"rss_mb"`
	GCRuns     uint32  `json:"gc_runs"`
	UptimeS    int64   `json:"uptime_s"`
}

func (a *API) getDiagnostics(w http.ResponseWriter, r *http.Request) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	writeJSON(w, http.StatusOK, diagnosticsJSON{Version: version.Version, Go: runtime.Version(),
		CPUs: runtime.NumCPU(), Goroutines: runtime.NumGoroutine(), HeapBytes: ms.HeapAlloc,
		SysBytes: ms.Sys, RSSMB: rssMB(), GCRuns: ms.NumGC,
		UptimeS: int64(a.opt.Now().Sub(a.opt.Started) / time.Second)})
	return nil
}

// MetricsHandler serves the Prometheus metrics (mount it at GET /metrics):
// a bearer token of the admin API (or a logged-in session) is required,
// else 401.
func (a *API) MetricsHandler() http.Handler {
	return a.requireAuth(a.serve(func(w http.ResponseWriter, r *http.Request) error {
		if a.opt.Metrics == nil {
			return httpErr(http.StatusNotImplemented, "this box keeps no metrics")
		}
		var b bytes.Buffer
		a.opt.Metrics(&b)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		_, _ = w.Write(b.Bytes())
		return nil
	}))
}
