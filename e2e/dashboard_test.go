package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRegistrationsAndDashboard: a phone registered to account 1000 is
// listed by GET registrations (contact, source, transport, expiry), and the
// dashboard counts it with the box's addresses, time zone, trunks, calls
// and storage.
func TestRegistrationsAndDashboard(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	adm.must("POST", "accounts", account("1000"), http.StatusCreated, nil)
	adm.must("POST", "trunks", peerTrunk("office", "127.0.0.3:5099"), http.StatusCreated, nil)
	phone := newRegClient(t, b, "127.0.0.6")
	chal := phone.challenge(t)
	if code := phone.do(t, phone.register(chal, "acct-1000", 1), 5*time.Second); code != 200 {
		t.Fatalf("REGISTER: %d, want 200", code)
	}
	var regs []struct {
		User, Contact, Source, Transport string
		ExpiresS                         int64 `json:"expires_s"`
	}
	adm.must("GET", "registrations", nil, http.StatusOK, &regs)
	if len(regs) != 1 || regs[0].User != "1000" || regs[0].Source != phone.local.String() ||
		regs[0].Transport != "udp" || regs[0].ExpiresS < 500 || regs[0].ExpiresS > 600 || regs[0].Contact == "" {
		t.Errorf("registrations %+v (phone at %s)", regs, phone.local)
	}
	sipp(t, b, "9999", new(scenario).invite(false).refused(404), nil, "udp").wait(t)
	waitRecords(t, adm, "refused=1", 1)

	var d struct {
		Time      time.Time `json:"time"`
		TimeZone  string    `json:"time_zone"`
		NTP       struct{ Known bool }
		Addresses []string
		Trunks    []struct{ Name, Status string }
		Regs      int `json:"registrations"`
		Calls     struct {
			Now          int `json:"now"`
			Today        int `json:"today"`
			RefusedToday int `json:"refused_today"`
		}
		Storage *struct {
			Free  uint64 `json:"data_free_bytes"`
			Total uint64 `json:"data_total_bytes"`
		}
	}
	adm.must("GET", "dashboard", nil, http.StatusOK, &d)
	if d.Regs != 1 || d.Calls.Today != 1 || d.Calls.RefusedToday != 1 || d.Calls.Now != 0 ||
		len(d.Addresses) == 0 || d.TimeZone == "" || time.Since(d.Time) > time.Minute || !d.NTP.Known ||
		len(d.Trunks) != 1 || d.Trunks[0].Name != "office" || d.Storage == nil || d.Storage.Free == 0 || d.Storage.Total < d.Storage.Free {
		t.Errorf("dashboard %+v", d)
	}
	var diag struct {
		Goroutines int `json:"goroutines"`
	}
	adm.must("GET", "diagnostics", nil, http.StatusOK, &diag)
	if diag.Goroutines == 0 {
		t.Errorf("diagnostics %+v", diag)
	}
}

// logLines is GET logs' answer.
type logLines struct {
	Lines []struct {
		Seq   uint64 `json:"seq"`
		Level string `json:"level"`
		Msg   string `json:"msg"`
		Attrs string `json:"attrs"`
	} `json:"lines"`
	Max int `json:"max"`
}

// TestLogKeptAcrossRestart: GET logs shows the box's log lines with a level
// and a text filter and as a download, and the lines are still there after
// the service is stopped and started again.
func TestLogKeptAcrossRestart(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	adm := admin(t, b)
	sipp(t, b, "9999", new(scenario).invite(false).refused(404), nil, "udp").wait(t)
	b.waitLog(10*time.Second, "call refused", "no_ivr")
	var l logLines
	adm.must("GET", "logs?q=call+refused", nil, http.StatusOK, &l)
	if len(l.Lines) != 1 || l.Lines[0].Level != "INFO" || !strings.Contains(l.Lines[0].Attrs, `reason="no IVR has number \"9999\""`) || l.Max < 1000 {
		t.Fatalf("logs?q=call+refused: %+v", l)
	}
	adm.must("GET", "logs?level=error&q=call+refused", nil, http.StatusOK, &l)
	if len(l.Lines) != 0 {
		t.Errorf("level=error lists INFO lines: %+v", l.Lines)
	}
	code, h, text := adm.do("GET", "logs?format=text&level=info", nil)
	if code != http.StatusOK || !strings.Contains(h.Get("Content-Disposition"), "attachment") ||
		!strings.Contains(string(text), `msg="call refused"`) || strings.Contains(string(text), "level=DEBUG") {
		t.Errorf("log download %d %v", code, h)
	}

	adm.must("GET", "logs?q=call+refused", nil, http.StatusOK, &l)
	before := l.Lines[0]

	b.stop()
	startBox(t, boxOpts{dir: b.dir, ports: b})
	var after logLines
	adm.must("GET", "logs?q=call+refused", nil, http.StatusOK, &after)
	if len(after.Lines) != 1 || after.Lines[0].Attrs != before.Attrs || after.Lines[0].Msg != before.Msg {
		t.Errorf("after the restart: %+v, want %+v", after.Lines, before)
	}
}
