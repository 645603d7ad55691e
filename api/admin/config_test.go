package admin

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestBackupRestoreByteForByte(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	e.do(me, "PUT", "system", map[string]any{"name": "front desk", "max_calls": 20}).want(t, http.StatusOK)
	r := e.do(me, "GET", "backup", nil).want(t, http.StatusOK)
	backup := r.body
	if cd := r.h.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, e.st.SN()) {
		t.Errorf("Content-Disposition = %q", cd)
	}
	want, _ := config.Marshal(e.st.Config())
	if !bytes.Equal(backup, want) {
		t.Errorf("backup is not the export document:\n%s", backup)
	}
	// Change things, then restore.
	e.do(me, "PUT", "system", map[string]any{"name": "changed"}).want(t, http.StatusOK)
	e.do(me, "DELETE", "ivrs/6502", nil).want(t, http.StatusNoContent)
	e.do(me, "POST", "restore", backup).want(t, http.StatusOK)
	if again := e.do(me, "GET", "backup", nil).body; !bytes.Equal(again, backup) {
		t.Errorf("after restore:\n%s\nwant\n%s", again, backup)
	}
	// Restore takes a multipart upload too.
	e.do(me, "PUT", "system", map[string]any{"name": "changed"}).want(t, http.StatusOK)
	e.do(me, "POST", "restore", multipartForm(t, "file", "ivrbox-config.json", backup, nil)).want(t, http.StatusOK)
	if again := e.do(me, "GET", "config", nil).body; !bytes.Equal(again, backup) {
		t.Errorf("after multipart restore:\n%s", again)
	}
	// A broken backup changes nothing.
	broken := bytes.Replace(backup, []byte(`"number": "6501"`), []byte(`"number": "65x1"`), 1)
	r = e.do(me, "POST", "restore", broken).want(t, http.StatusUnprocessableEntity)
	var eb errorBody
	r.decode(t, &eb)
	if len(eb.Problems) == 0 || eb.Problems[0].Field != "ivrs[1].number" {
		t.Errorf("problems = %+v", eb.Problems)
	}
	e.do(me, "POST", "restore", "{not json").want(t, http.StatusBadRequest)
	e.do(me, "POST", "restore", `{"version": 99}`).want(t, http.StatusBadRequest)
	if now, _ := config.Marshal(e.st.Config()); !bytes.Equal(now, backup) {
		t.Error("a refused restore changed the config")
	}
	big := append([]byte(`{"version": 2, "x": "`), bytes.Repeat([]byte("a"), config.MaxDocumentSize)...)
	e.do(me, "POST", "restore", big).want(t, http.StatusRequestEntityTooLarge)
}

func TestPutConfig(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	c := config.Defaults()
	c.System.Name = "via put"
	data, _ := config.Marshal(c)
	r := e.do(me, "PUT", "config", data).want(t, http.StatusOK)
	if e.st.Config().System.Name != "via put" || !bytes.Contains(r.body, []byte(`"sn": "`+e.st.SN())) {
		t.Errorf("after PUT config: %+v\n%s", e.st.Config().System, r.body)
	}
	c.IVRs[0].Repeat = 1000
	c.IVRs[0].Keys["x"] = config.Action{Type: config.ActHangup}
	data, _ = config.Marshal(c)
	r = e.do(me, "PUT", "config", data).want(t, http.StatusUnprocessableEntity)
	var eb errorBody
	r.decode(t, &eb)
	if len(eb.Problems) != 2 || !strings.Contains(eb.Error, "2 problems, nothing changed") {
		t.Errorf("answer %s", r.body)
	}
	e.do(me, "PUT", "config", `{"version": 2, "colour": "red"}`).want(t, http.StatusBadRequest)
}

func TestIVRs(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var ivrs []config.IVR
	e.do(me, "GET", "ivrs", nil).want(t, http.StatusOK).decode(t, &ivrs)
	if !reflect.DeepEqual(ivrs, config.Defaults().IVRs) {
		t.Errorf("ivrs = %+v", ivrs)
	}
	var one config.IVR
	e.do(me, "GET", "ivrs/6502", nil).want(t, http.StatusOK).decode(t, &one)
	if one.Name != "Booking confirmed" {
		t.Errorf("6502 = %+v", one)
	}
	e.do(me, "GET", "ivrs/7777", nil).want(t, http.StatusNotFound)

	// An invalid key: 422 naming the field, nothing changed.
	before := e.st.Config()
	bad := `{"prompts": ["ok"], "keys": {"x": {"type": "hangup"}, "1": {"type": "ivr", "target": "9999"}}}`
	r := e.do(me, "PUT", "ivrs/6502", bad).want(t, http.StatusUnprocessableEntity)
	var eb errorBody
	r.decode(t, &eb)
	fields := []string{}
	for _, p := range eb.Problems {
		fields = append(fields, p.Field)
	}
	if want := []string{`ivrs[2].keys["1"].target`, `ivrs[2].keys["x"]`}; !reflect.DeepEqual(fields, want) {
		t.Errorf("problem fields %q, want %q (%s)", fields, want, r.body)
	}
	if !reflect.DeepEqual(e.st.Config(), before) {
		t.Error("a refused PUT changed the config")
	}
	e.do(me, "PUT", "ivrs/6502", `{"prompts": ["ok"], "colour": "red"}`).want(t, http.StatusBadRequest)
	e.do(me, "PUT", "ivrs/7777", `{"prompts": ["ok"]}`).want(t, http.StatusNotFound)

	// A good change is in the store at once.
	e.do(me, "PUT", "ivrs/6502", `{"name": "Confirmed", "prompts": ["confirm", "ok"], "keys": {"0": {"type": "ivr", "target": "6500"}}}`).
		want(t, http.StatusOK).decode(t, &one)
	got, _ := ivrOf(e, "6502")
	if one.Number != "6502" || !reflect.DeepEqual(got.Prompts, []string{"confirm", "ok"}) || got.Keys["0"].Target != "6500" {
		t.Errorf("after PUT: answer %+v, store %+v", one, got)
	}

	// Create, duplicate, delete.
	r = e.do(me, "POST", "ivrs", `{"number": "7000", "prompts": ["notice"]}`).want(t, http.StatusCreated)
	if r.h.Get("Location") != Prefix+"ivrs/7000" {
		t.Errorf("Location = %q", r.h.Get("Location"))
	}
	if _, ok := ivrOf(e, "7000"); !ok {
		t.Error("7000 not stored")
	}
	e.do(me, "POST", "ivrs", `{"number": "7000", "prompts": ["notice"]}`).want(t, http.StatusConflict)
	r = e.do(me, "POST", "ivrs", `{"number": "70a0", "prompts": ["notice"]}`).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), `"field":"ivrs[5].number"`) {
		t.Errorf("answer %s", r.body)
	}
	r = e.do(me, "DELETE", "ivrs/6501", nil).want(t, http.StatusUnprocessableEntity) // 6500 key 1 goes there
	if !strings.Contains(r.errorText(t), `no IVR has number "6501"`) {
		t.Errorf("message %q", r.errorText(t))
	}
	e.do(me, "DELETE", "ivrs/7000", nil).want(t, http.StatusNoContent)
	e.do(me, "DELETE", "ivrs/7000", nil).want(t, http.StatusNotFound)
	if _, ok := ivrOf(e, "7000"); ok {
		t.Error("7000 still stored")
	}
}

func TestSystem(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var s systemJSON
	e.do(me, "PUT", "system", map[string]any{"name": "desk", "sn": "111", "max_calls": 8}).want(t, http.StatusOK).decode(t, &s)
	if s.Name != "desk" || s.SN != e.st.SN() || s.MaxCalls != 8 || e.st.Config().System.MaxCalls != 8 {
		t.Errorf("system = %+v", s)
	}
	r := e.do(me, "PUT", "system", map[string]any{"max_calls": -1}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), `"field":"system.max_calls"`) {
		t.Errorf("answer %s", r.body)
	}
	e.do(me, "PUT", "system", map[string]any{"http_hosts": []string{"ivr.example.lan"}}).want(t, http.StatusOK).decode(t, &s)
	e.do(me, "PUT", "system", map[string]any{"name": "desk2"}).want(t, http.StatusOK).decode(t, &s)
	if s.HTTPHosts == nil || len(*s.HTTPHosts) != 1 || (*s.HTTPHosts)[0] != "ivr.example.lan" {
		t.Errorf("http_hosts after a PUT without them: %+v", s.HTTPHosts)
	}
	r = e.do(me, "PUT", "system", map[string]any{"http_hosts": []string{"http://x"}}).want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), `"field":"system.http_hosts[0]"`) {
		t.Errorf("answer %s", r.body)
	}
}

func TestAPIAccess(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var a apiAccessJSON
	e.do(me, "GET", "api-access", nil).want(t, http.StatusOK).decode(t, &a)
	if a != (apiAccessJSON{}) {
		t.Errorf("default api-access = %+v", a)
	}
	r := e.do(me, "PUT", "api-access", map[string]any{"user": "api", "password": "s3cret", "app_url": "http://10.0.0.5/ev", "secret": "k"}).
		want(t, http.StatusOK)
	r.decode(t, &a)
	sum := md5.Sum([]byte("s3cret"))
	api := e.st.Config().API
	if a != (apiAccessJSON{User: "api", PasswordSet: true, AppURL: "http://10.0.0.5/ev", SecretSet: true}) ||
		api.PasswordMD5 != hex.EncodeToString(sum[:]) || api.Secret != "k" {
		t.Errorf("answer %+v, stored %+v", a, api)
	}
	if bytes.Contains(r.body, []byte("s3cret")) || bytes.Contains(e.do(me, "GET", "api-access", nil).body, []byte(`"k"`)) {
		t.Error("a secret is shown")
	}
	// Left out: kept. "": cleared.
	e.do(me, "PUT", "api-access", map[string]any{"user": "api2", "app_url": ""}).want(t, http.StatusOK)
	if api := e.st.Config().API; api.User != "api2" || api.PasswordMD5 != hex.EncodeToString(sum[:]) || api.Secret != "k" {
		t.Errorf("stored %+v", api)
	}
	e.do(me, "PUT", "api-access", map[string]any{"user": "", "secret": ""}).want(t, http.StatusOK)
	if api := e.st.Config().API; api != (config.API{}) {
		t.Errorf("stored %+v", api)
	}
	r = e.do(me, "PUT", "api-access", map[string]any{"user": "a b", "password": "x", "app_url": "ftp://x"}).
		want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(string(r.body), `"field":"api.user"`) || !strings.Contains(string(r.body), `"field":"api.app_url"`) {
		t.Errorf("answer %s", r.body)
	}
}

// ivrOf returns the stored IVR number.
func ivrOf(e *env, number string) (config.IVR, bool) {
	c := e.st.Config()
	return c.IVR(number)
}

// TestIVRSteps: the IVR fields of recording and API control round-trip, and
// their problems are named by path.
func TestIVRSteps(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	body := `{"name": "Steps", "prompts": ["notice"], "record": "stereo", "keys": {
	  "1": {"type": "api", "api": {"key": "exam", "params": "{\"x\":1}", "timeout": 20}, "next": {"type": "ivr", "target": "6500"}},
	  "2": {"type": "record", "record": {"max_seconds": 30, "finish_keys": "#*", "beep": true, "silence_seconds": 5, "format": "in"},
	        "next": {"type": "hangup"}}}}`
	var got config.IVR
	e.do(me, "PUT", "ivrs/6502", body).want(t, http.StatusOK).decode(t, &got)
	stored, _ := ivrOf(e, "6502")
	want := config.IVR{Number: "6502", Name: "Steps", Prompts: []string{"notice"}, Record: "stereo", Keys: map[string]config.Action{
		"1": {Type: config.ActAPI, API: &config.APIStep{Key: "exam", Params: `{"x":1}`, Timeout: 20}, Next: &config.Action{Type: config.ActIVR, Target: "6500"}},
		"2": {Type: config.ActRecord, Record: &config.RecordStep{MaxSeconds: 30, FinishKeys: "#*", Beep: true, SilenceSeconds: 5, Format: "in"},
			Next: &config.Action{Type: config.ActHangup}}}}
	if !reflect.DeepEqual(stored, want) || !reflect.DeepEqual(got, want) {
		t.Errorf("stored %+v\nanswer %+v\nwant   %+v", stored, got, want)
	}
	var one config.IVR
	e.do(me, "GET", "ivrs/6502", nil).want(t, http.StatusOK).decode(t, &one)
	if !reflect.DeepEqual(one, want) {
		t.Errorf("GET %+v", one)
	}

	bad := `{"prompts": ["notice"], "record": "in", "keys": {
	  "1": {"type": "api", "api": {"timeout": 9999}, "next": {"type": "ivr", "target": "9999"}},
	  "2": {"type": "record", "record": {"max_seconds": 7200, "format": "mp3", "finish_keys": "x"}},
	  "3": {"type": "hangup", "next": {"type": "hangup"}}}}`
	r := e.do(me, "PUT", "ivrs/6502", bad).want(t, http.StatusUnprocessableEntity)
	var eb errorBody
	r.decode(t, &eb)
	fields := map[string]bool{}
	for _, p := range eb.Problems {
		fields[p.Field] = true
	}
	for _, f := range []string{`ivrs[2].record`, `ivrs[2].keys["1"].api.timeout`, `ivrs[2].keys["1"].next.target`,
		`ivrs[2].keys["2"].record.max_seconds`, `ivrs[2].keys["2"].record.format`, `ivrs[2].keys["2"].record.finish_keys`,
		`ivrs[2].keys["3"].next`} {
		if !fields[f] {
			t.Errorf("no problem at %s: %s", f, r.body)
		}
	}
	if stored, _ := ivrOf(e, "6502"); !reflect.DeepEqual(stored, want) {
		t.Error("a refused PUT changed the IVR")
	}
}

// TestSystemMedia: the recording and fork settings are shown, changed,
// kept when left out, and their problems named.
func TestSystemMedia(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	r := e.do(me, "GET", "system", nil).want(t, http.StatusOK)
	if !strings.Contains(string(r.body), `"recording":{"max_mb":0},"fork":{"max_per_call":0,"max_total":0,"allow_loopback":false,`) {
		t.Errorf("GET system %s", r.body)
	}
	var s systemJSON
	e.do(me, "PUT", "system", map[string]any{"name": "box", "recording": map[string]any{"max_mb": 500},
		"fork": map[string]any{"max_per_call": 3, "max_total": 20, "allow_loopback": true, "lan_only": true}}).
		want(t, http.StatusOK).decode(t, &s)
	want := config.System{Name: "box", SN: e.st.SN(), Recording: config.Recording{MaxMB: 500},
		Fork: config.Fork{MaxPerCall: 3, MaxTotal: 20, AllowLoopback: true, LANOnly: true}}
	if got := e.st.Config().System; !reflect.DeepEqual(got, want) || *s.Recording != (recordingConf{500}) ||
		*s.Fork != (forkConf{MaxPerCall: 3, MaxTotal: 20, AllowLoopback: true, LANOnly: true}) {
		t.Errorf("stored %+v, answer %+v %+v", got, s.Recording, s.Fork)
	}
	e.do(me, "PUT", "system", map[string]any{"name": "box2"}).want(t, http.StatusOK)
	if got := e.st.Config().System; got.Recording.MaxMB != 500 || got.Fork.MaxTotal != 20 {
		t.Errorf("left out, not kept: %+v", got)
	}
	r = e.do(me, "PUT", "system", map[string]any{"recording": map[string]any{"max_mb": -1},
		"fork": map[string]any{"max_per_call": 5000}}).want(t, http.StatusUnprocessableEntity)
	for _, f := range []string{"system.recording.max_mb", "system.fork.max_per_call"} {
		if !strings.Contains(string(r.body), `"field":"`+f+`"`) {
			t.Errorf("no problem at %s: %s", f, r.body)
		}
	}
	e.do(me, "PUT", "system", `{"fork": {"max": 1}}`).want(t, http.StatusBadRequest)
}
