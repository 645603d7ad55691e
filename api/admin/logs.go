package admin

import (
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/logring"
)

// LogLines are the box's recent log lines (a *logring.Ring).
type LogLines interface {
	Lines(q logring.Query) []logring.Line
	Cap() int
}

// logsJSON answers GET logs.
type logsJSON struct {
	Lines []logring.Line `json:"lines"`
	Max   int            `json:"max"` // lines the box keeps
}

// getLogs answers the box's log lines, oldest first: level= (debug, info,
// warn, error: that level and above), q= (a text), after= (a seq: only
// newer lines), limit= (the newest ones, default 500, at most the ring's
// size), format=text (a download of every selected line).
func (a *API) getLogs(w http.ResponseWriter, r *http.Request) error {
	if a.opt.LogLines == nil {
		return httpErr(http.StatusNotImplemented, "this box keeps no log")
	}
	v := r.URL.Query()
	var q logring.Query
	if s := v.Get("level"); s != "" {
		if err := q.Level.UnmarshalText([]byte(s)); err != nil {
			return httpErr(http.StatusBadRequest, "level=%q: want debug, info, warn or error", s)
		}
	} else {
		q.Level = slog.LevelDebug
	}
	q.Text = v.Get("q")
	if s := v.Get("after"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return httpErr(http.StatusBadRequest, "%s=%q: want a whole number from %d to %d", "after", s, 0, int64(1<<53))
		}
		q.After = n
	}
	text := false
	switch f := v.Get("format"); f {
	case "", "json":
	case "text":
		text = true
	default:
		return httpErr(http.StatusBadRequest, "format=%q: want json or text", f)
	}
	max := a.opt.LogLines.Cap()
	def := min(500, max)
	if text {
		def = max
	}
	var err error
	if q.Limit, err = intParam(r, "limit", def, 1, max); err != nil {
		return err
	}
	lines := a.opt.LogLines.Lines(q)
	if !text {
		writeJSON(w, http.StatusOK, logsJSON{Lines: lines, Max: max})
		return nil
	}
	var b strings.Builder
	for _, l := range lines {
		fmt.Fprintf(&b, "time=%s level=%s msg=%s %s\n", l.Time.Format(time.RFC3339Nano), l.Level, strconv.Quote(l.Msg), l.Attrs)
	}
	name := "ivrbox-log-" + a.opt.Now().In(time.Local).Format("20060102-150405") + ".txt"
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	_, _ = w.Write([]byte(b.String()))
	return nil
}
