package admin

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/cdr"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/version"
)

func TestStatusAndHAL(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	e.clock.add(90 * time.Second)
	var st statusJSON
	e.do(me, "GET", "status", nil).want(t, http.StatusOK).decode(t, &st)
	if st.Version != version.Version || st.Board != "sim" || st.SIP != "127.0.0.1:5060" || st.UptimeS < 90 ||
		st.Load.Goroutines == 0 || len(st.LEDs) != 2 || st.LEDs[0].Name != "ready" || !st.LEDs[0].On {
		t.Errorf("status = %+v", st)
	}
	var h halJSON
	e.do(me, "GET", "hal", nil).want(t, http.StatusOK).decode(t, &h)
	if len(h.LEDs) != 2 || !reflect.DeepEqual(h.Buttons, []buttonJSON{{"reset"}}) {
		t.Errorf("hal = %+v", h)
	}
	e.do(me, "POST", "hal/buttons/reset/press", map[string]int{"ms": 10000}).want(t, http.StatusNoContent)
	e.do(me, "POST", "hal/buttons/reset/press", nil).want(t, http.StatusNoContent)
	e.do(me, "POST", "hal/buttons/reset/press", map[string]int{"ms": -5}).want(t, http.StatusUnprocessableEntity)
	e.do(me, "POST", "hal/buttons/power/press", nil).want(t, http.StatusNotFound)
	if want := []string{"reset:10s", "reset:100ms"}; !reflect.DeepEqual(e.hal.pressed, want) {
		t.Errorf("pressed %v, want %v", e.hal.pressed, want)
	}
}

func TestNoHAL(t *testing.T) {
	e := newEnv(t, envOpts{noHAL: true, noRestart: true})
	me := e.login()
	var h halJSON
	r := e.do(me, "GET", "hal", nil).want(t, http.StatusOK)
	r.decode(t, &h)
	if !bytes.Contains(r.body, []byte(`"leds":[]`)) || len(h.Buttons) != 0 {
		t.Errorf("hal = %s", r.body)
	}
	var st statusJSON
	e.do(me, "GET", "status", nil).want(t, http.StatusOK).decode(t, &st)
	if st.LEDs == nil {
		t.Error("status leds null")
	}
	e.do(me, "POST", "hal/buttons/reset/press", nil).want(t, http.StatusNotFound)
	e.do(me, "POST", "restart", nil).want(t, http.StatusNotImplemented)
}

func TestRestart(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	var r restartJSON
	e.do(me, "POST", "restart", nil).want(t, http.StatusAccepted).decode(t, &r)
	if r.Status != "restarting" || e.restarts.Load() != 1 {
		t.Errorf("answer %+v, %d restarts", r, e.restarts.Load())
	}
}

func TestFactoryReset(t *testing.T) {
	e := newEnv(t)
	me := e.login()
	_, tok := createToken(t, e, me, "x")
	e.do(me, "PUT", "system", map[string]any{"name": "changed"}).want(t, http.StatusOK)
	e.do(me, "DELETE", "ivrs/6502", nil).want(t, http.StatusNoContent)
	e.do(me, "POST", "prompts", multipartForm(t, "file", "notice.wav", toneWAV(400, 100), nil)).want(t, http.StatusCreated)
	e.do(me, "POST", "prompts", multipartForm(t, "file", "x.wav", toneWAV(400, 100), map[string]string{"name": "sub/x"})).
		want(t, http.StatusCreated)
	if err := e.recs.Add(cdr.Record{ID: "r", Started: time.Now(), Ended: time.Now()}); err != nil {
		t.Fatal(err)
	}
	sn := e.st.SN()
	cached := filepath.Join(e.dir, "cache", "disk1", "greeting.wav")
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cached, toneWAV(400, 100), 0o644); err != nil {
		t.Fatal(err)
	}

	r := e.do(me, "POST", "factory-reset", map[string]string{"confirm": "yes"}).want(t, http.StatusUnprocessableEntity)
	if !bytes.Contains(r.body, []byte(`"field":"confirm"`)) || e.restarts.Load() != 0 {
		t.Errorf("answer %s", r.body)
	}
	e.do(me, "POST", "factory-reset", map[string]string{"confirm": "RESET"}).want(t, http.StatusAccepted)
	if e.restarts.Load() != 1 {
		t.Error("no restart after the reset")
	}
	var s sessionJSON
	e.do(me, "GET", "session", nil).want(t, http.StatusOK).decode(t, &s)
	if !s.SetupNeeded || s.LoggedIn {
		t.Errorf("session after reset = %+v", s)
	}
	e.do(me, "GET", "status", nil).want(t, http.StatusUnauthorized)
	e.do(as{token: tok}, "GET", "status", nil).want(t, http.StatusUnauthorized)
	want := config.Defaults()
	want.System.SN = sn
	if !reflect.DeepEqual(e.st.Config(), want) {
		t.Errorf("config after reset = %+v", e.st.Config())
	}
	if entries, _ := os.ReadDir(filepath.Join(e.dir, "prompts")); len(entries) != 0 {
		t.Errorf("prompt folder after reset: %v", entries)
	}
	if au, _ := e.cache.Get(t.Context(), "notice"); au.Name != "builtin:notice.wav" {
		t.Errorf("notice plays %q after reset", au.Name)
	}
	if e.recs.Len() != 0 {
		t.Errorf("%d records after reset", e.recs.Len())
	}
	if entries, _ := os.ReadDir(filepath.Join(e.dir, "cache")); len(entries) != 0 {
		t.Errorf("the network-disk cache after reset: %v", entries)
	}
	e.login() // first run again
}
