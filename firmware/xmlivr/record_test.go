package xmlivr

import (
	"errors"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestParseAutoRecord(t *testing.T) {
	for _, c := range []struct {
		attr string
		want bool
	}{{"", false}, {` autorecord="true"`, true}, {` autorecord="TRUE"`, true}, {` autorecord="1"`, true},
		{` autorecord="false"`, false}, {` autorecord="0"`, false}} {
		res, err := Parse([]byte(`<Response><CreateConf action="ok"` + c.attr + `/></Response>`))
		if err != nil {
			t.Errorf("%q: %v", c.attr, err)
			continue
		}
		if got := res.Verbs[0].AutoRecord; got != c.want {
			t.Errorf("%q: AutoRecord %v, want %v", c.attr, got, c.want)
		}
	}
	if _, err := Parse([]byte(`<Response><CreateConf autorecord="yes"/></Response>`)); !errors.Is(err, ErrAttr) {
		t.Errorf("autorecord=yes: %v, want ErrAttr", err)
	}
}

// CreateConf autorecord records the room it makes, once, whether the call
// joins it or not; a recording that cannot start leaves the room and the
// flow as they are.
func TestCreateConfAutoRecord(t *testing.T) {
	for _, c := range []struct {
		name, attrs string
		recErr      error
		recorded    bool
	}{
		{"on", ` autorecord="true"`, nil, true},
		{"one", ` autorecord="1"`, nil, true},
		{"off", ` autorecord="false"`, nil, false},
		{"absent", ``, nil, false},
		{"failing", ` autorecord="true"`, errors.New("storage full"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := newScriptApp(t, map[string]string{
				"/":     `<Response><CreateConf action="made"` + c.attrs + `/></Response>`,
				"/made": `<Response><Play>made.wav</Play><Hangup/></Response>`,
			})
			rooms := newFakeRooms()
			rooms.recErr = c.recErr
			e := newTestEngine(t, rooms, nil)
			call := newFakeCall("c" + c.name)
			run(t, e, call, config.XMLApp{URL: srv.URL()})
			e.Close()
			want := []string(nil)
			if c.recorded {
				want = []string{"10000001"}
			}
			equal(t, "recorded", rooms.recordedRooms(), want)
			equal(t, "ops", call.Ops(), []string{"play made.wav barge", "hangup normal"})
		})
	}
}
