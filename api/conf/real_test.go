package conf

import (
	"testing"

	rooms "github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/mix"
)

// TestRealRooms runs the API over a real room manager: create (a free
// 8-digit id, a given one, a taken one), list, get, kick and mute of nobody,
// play without a prompt source, end.
func TestRealRooms(t *testing.T) {
	eng := mix.New(mix.Options{Manual: true})
	t.Cleanup(func() { _ = eng.Close() })
	m := rooms.New(rooms.Options{Mix: eng})
	t.Cleanup(func() { _ = m.Close() })
	cfg := &config.Config{Cloud: config.Cloud{Tokens: []config.CloudToken{{ID: "c", SHA256: hashOf(confToken), APIs: []string{config.APIConf}}}}}
	rg := &rig{t: t}
	rg.h = New(Options{Rooms: m, Config: func() *config.Config { return cfg }}).Handler()

	a := rg.call("POST", "/conf/v1/conferences", `{"maxmember":3}`)
	rg.want(a, 201, CodeOK)
	id, _ := a.body["confid"].(string)
	if len(id) != 8 {
		t.Fatalf("confid %q, want 8 digits", id)
	}
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"team"}`), 201, CodeOK)
	rg.want(rg.call("POST", "/conf/v1/conferences", `{"confid":"team"}`), 409, CodeConfExists)
	a = rg.call("GET", "/conf/v1/conferences", "")
	if n := len(a.body["conferences"].([]any)); n != 2 {
		t.Errorf("%d conferences: %s", n, a.raw)
	}
	a = rg.call("GET", "/conf/v1/conferences/"+id, "")
	rg.want(a, 200, CodeOK)
	if c := a.body["conference"].(map[string]any); c["maxmember"] != 3.0 || c["membercount"] != 0.0 {
		t.Errorf("conference %s", a.raw)
	}
	rg.want(rg.call("POST", "/conf/v1/conferences/"+id+"/members/1.2/mute", ""), 404, CodeNoMember)
	rg.want(rg.call("DELETE", "/conf/v1/conferences/"+id+"/members/1.2", ""), 404, CodeNoMember)
	rg.want(rg.call("POST", "/conf/v1/conferences/"+id+"/play", `{"prompts":["a"]}`), 400, CodeInvalid)
	rg.want(rg.call("DELETE", "/conf/v1/conferences/"+id, ""), 200, CodeOK)
	rg.want(rg.call("GET", "/conf/v1/conferences/"+id, ""), 404, CodeNoConf)
}
