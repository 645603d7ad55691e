package admin

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/conf"
)

// fakeConfs is a settable set of rooms.
type fakeConfs struct {
	mu    sync.Mutex
	rooms []conf.Info
	mem   map[string][]conf.MemberInfo
	gone  string // listed, but ended by the time Members asks
}

var (
	_ Conferences = (*fakeConfs)(nil)
	_ Conferences = (*conf.Manager)(nil)
)

func (f *fakeConfs) List() []conf.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.rooms)
}

func (f *fakeConfs) has(id string) bool {
	return slices.ContainsFunc(f.rooms, func(in conf.Info) bool { return in.ID == id })
}

func (f *fakeConfs) Members(id string) ([]conf.MemberInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.has(id) || id == f.gone {
		return nil, fmt.Errorf("%w: %q", conf.ErrNoRoom, id)
	}
	return slices.Clone(f.mem[id]), nil
}

func (f *fakeConfs) member(id, callID string) (int, error) {
	if !f.has(id) {
		return 0, fmt.Errorf("%w: %q", conf.ErrNoRoom, id)
	}
	i := slices.IndexFunc(f.mem[id], func(m conf.MemberInfo) bool { return m.CallID == callID })
	if i < 0 {
		return 0, fmt.Errorf("%w: %q", conf.ErrNoMember, callID)
	}
	return i, nil
}

func (f *fakeConfs) Mute(id, callID string, mute bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, err := f.member(id, callID)
	if err == nil {
		f.mem[id][i].Muted = mute
	}
	return err
}

func (f *fakeConfs) Kick(id, callID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, err := f.member(id, callID)
	if err == nil {
		f.mem[id] = slices.Delete(f.mem[id], i, i+1)
	}
	return err
}

func (f *fakeConfs) End(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.has(id) {
		return fmt.Errorf("%w: %q", conf.ErrNoRoom, id)
	}
	f.rooms = slices.DeleteFunc(f.rooms, func(in conf.Info) bool { return in.ID == id })
	delete(f.mem, id)
	return nil
}

// TestConferences: the live rooms are listed with their members and the
// members' numbers; mute, unmute, kick and end change them; unknown rooms
// and members are 404; all of it needs a login.
func TestConferences(t *testing.T) {
	at := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	fc := &fakeConfs{rooms: []conf.Info{{ID: "12345678", Created: at, MaxMembers: 10, Members: 2}, {ID: "empty", Created: at, MaxMembers: 3}},
		mem: map[string][]conf.MemberInfo{"12345678": {{CallID: "1.1", Joined: at, Talking: true}, {CallID: "1.2", Joined: at, Muted: true}}}}
	e := newEnv(t, envOpts{conf: fc})
	e.calls.live = []call.Info{{ID: "1.1", Dir: "inbound", From: "6001", To: "6500"}, {ID: "1.2", Dir: "outbound", From: "conf:12345678", To: "13800000000"}}
	e.do(as{}, "GET", "conferences", nil).want(t, http.StatusUnauthorized)
	s := e.login()

	var list []conferenceJSON
	e.do(s, "GET", "conferences", nil).want(t, http.StatusOK).decode(t, &list)
	want := []conferenceJSON{
		{ID: "12345678", Created: at, MaxMembers: 10, Members: []memberJSON{
			{CallID: "1.1", Number: "6001", Joined: at, Talking: true}, {CallID: "1.2", Number: "13800000000", Joined: at, Muted: true}}},
		{ID: "empty", Created: at, MaxMembers: 3, Members: []memberJSON{}},
	}
	if fmt.Sprint(list) != fmt.Sprint(want) {
		t.Fatalf("list %+v\nwant %+v", list, want)
	}

	e.do(s, "POST", "conferences/12345678/members/1.2/unmute", nil).want(t, http.StatusNoContent)
	e.do(s, "POST", "conferences/12345678/members/1.1/mute", nil).want(t, http.StatusNoContent)
	if m, _ := fc.Members("12345678"); !m[0].Muted || m[1].Muted {
		t.Errorf("members after mute/unmute: %+v", m)
	}
	e.do(s, "POST", "conferences/12345678/members/9.9/mute", nil).want(t, http.StatusNotFound)
	e.do(s, "POST", "conferences/nope/members/1.1/mute", nil).want(t, http.StatusNotFound)
	e.do(s, "DELETE", "conferences/12345678/members/1.1", nil).want(t, http.StatusNoContent)
	e.do(s, "DELETE", "conferences/12345678/members/1.1", nil).want(t, http.StatusNotFound)
	if m, _ := fc.Members("12345678"); len(m) != 1 || m[0].CallID != "1.2" {
		t.Errorf("members after kick: %+v", m)
	}
	e.do(s, "DELETE", "conferences/12345678", nil).want(t, http.StatusNoContent)
	e.do(s, "DELETE", "conferences/12345678", nil).want(t, http.StatusNotFound)
	e.do(s, "GET", "conferences", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].ID != "empty" {
		t.Errorf("list after end: %+v", list)
	}
	// A room that ends between List and Members is left out.
	fc.mu.Lock()
	fc.rooms, fc.gone = append(fc.rooms, conf.Info{ID: "ghost"}), "ghost"
	fc.mu.Unlock()
	e.do(s, "GET", "conferences", nil).want(t, http.StatusOK).decode(t, &list)
	if len(list) != 1 || list[0].ID != "empty" {
		t.Errorf("list with a vanished room: %+v", list)
	}
}

// TestConferencesNone: without rooms the endpoints answer 501.
func TestConferencesNone(t *testing.T) {
	e := newEnv(t)
	s := e.login()
	e.do(s, "GET", "conferences", nil).want(t, http.StatusNotImplemented)
	e.do(s, "DELETE", "conferences/1", nil).want(t, http.StatusNotImplemented)
	e.do(s, "POST", "conferences/1/members/2/mute", nil).want(t, http.StatusNotImplemented)
	e.do(s, "DELETE", "conferences/1/members/2", nil).want(t, http.StatusNotImplemented)
}
