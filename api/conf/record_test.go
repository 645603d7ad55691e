package conf

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	rooms "github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/record"
)

func TestRecord(t *testing.T) {
	rg := newRig(t)
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"42"}`), 201, CodeOK)
	a := rg.call("POST", "/conf/v1/conferences/42/record", "")
	rg.want(a, 200, CodeOK)
	if a.body["confid"] != "42" || a.body["recording"] != "2025/05/01/conf-42-120000.wav" {
		t.Errorf("record answer %s", a.raw)
	}
	a = rg.call("GET", "/conf/v1/conferences/42", "")
	if c := a.body["conference"].(map[string]any); c["recording"] != "2025/05/01/conf-42-120000.wav" {
		t.Errorf("get while recording: %s", a.raw)
	}
	rg.want(rg.call("POST", "/conf/v1/conferences/42/record", "{}"), 409, CodeRecording)
	rg.want(rg.call("POST", "/conf/v1/conferences/42/record", `{"format":"stereo"}`), 400, CodeMalformed)
	rg.want(rg.call("DELETE", "/conf/v1/conferences/42/record", ""), 200, CodeOK)
	a = rg.call("GET", "/conf/v1/conferences/42", "")
	if c := a.body["conference"].(map[string]any); c["recording"] != nil {
		t.Errorf("get after stop: %s", a.raw)
	}
	rg.want(rg.call("DELETE", "/conf/v1/conferences/42/record", ""), 409, CodeNotRecording)
	rg.want(rg.call("POST", "/conf/v1/conferences/43/record", ""), 404, CodeNoConf)
	rg.want(rg.call("DELETE", "/conf/v1/conferences/43/record", ""), 404, CodeNoConf)
	a = rg.call("PUT", "/conf/v1/conferences/42/record", "")
	rg.want(a, 405, CodeMethod)
	if al := a.hdr.Get("Allow"); al != "POST, DELETE" {
		t.Errorf("Allow %q", al)
	}

	for _, c := range []struct {
		err    error
		status int
		code   Code
	}{
		{fmt.Errorf("conf: record %q: %w", "42", record.ErrFull), 507, CodeStorageFull},
		{rooms.ErrNoRecorder, 503, CodeUnavailable},
		{fmt.Errorf("x: %w", record.ErrClosed), 503, CodeUnavailable},
		{rooms.ErrClosed, 503, CodeUnavailable},
		{fmt.Errorf("x: %w", record.ErrSpec), 500, CodeInternal},
	} {
		rg.rooms.recErr = c.err
		rg.want(rg.call("POST", "/conf/v1/conferences/42/record", ""), c.status, c.code)
	}
}

// TestRecordRealRooms records a real room into a real recorder's folder.
func TestRecordRealRooms(t *testing.T) {
	dir := t.TempDir()
	rec, err := record.New(record.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close)
	eng := mix.New(mix.Options{Manual: true})
	t.Cleanup(func() { _ = eng.Close() })
	m := rooms.New(rooms.Options{Mix: eng, Recorder: rec})
	t.Cleanup(func() { _ = m.Close() })
	cfg := &config.Config{Cloud: config.Cloud{Tokens: []config.CloudToken{{ID: "c", SHA256: hashOf(confToken), APIs: []string{config.APIConf}}}}}
	rg := &rig{t: t}
	rg.h = New(Options{Rooms: m, Config: func() *config.Config { return cfg }}).Handler()

	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"team"}`), 201, CodeOK)
	a := rg.call("POST", "/conf/v1/conferences/team/record", "")
	rg.want(a, 200, CodeOK)
	file, _ := a.body["recording"].(string)
	for range 10 {
		eng.Tick()
	}
	rg.want(rg.call("DELETE", "/conf/v1/conferences/team/record", ""), 200, CodeOK)
	st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file)))
	if err != nil {
		t.Fatalf("the answered file: %v", err)
	}
	if st.Size() != 44+10*320 {
		t.Errorf("%s holds %d bytes, want 10 frames", file, st.Size())
	}
}
