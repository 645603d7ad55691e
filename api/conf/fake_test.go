package conf

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	rooms "github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// fakeRooms is an in-memory Rooms.
type fakeRooms struct {
	mu      sync.Mutex
	now     time.Time
	rooms   map[string]*fakeRoom
	order   []string
	played  map[string][]string // room → prompts played
	playErr error               // Play's error, when set
	recErr  error               // Record's error, when set
	closed  bool
	next    int
}

type fakeRoom struct {
	info    rooms.Info
	spec    rooms.Spec
	members []rooms.MemberInfo
}

var _ Rooms = (*fakeRooms)(nil)
var _ Rooms = (*rooms.Manager)(nil)

func newFakeRooms() *fakeRooms {
	return &fakeRooms{now: time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC), rooms: map[string]*fakeRoom{},
		played: map[string][]string{}, next: 12345678}
}

func (f *fakeRooms) Create(s rooms.Spec) (rooms.Info, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return rooms.Info{}, rooms.ErrClosed
	}
	if s.ID == "" {
		s.ID = fmt.Sprint(f.next)
		f.next++
	}
	if _, ok := f.rooms[s.ID]; ok {
		return rooms.Info{}, fmt.Errorf("%w: %q", rooms.ErrExists, s.ID)
	}
	if s.MaxMembers == 0 {
		s.MaxMembers = rooms.DefaultMaxMembers
	}
	r := &fakeRoom{spec: s, info: rooms.Info{ID: s.ID, Created: f.now, MaxMembers: s.MaxMembers, Owner: s.Owner}}
	f.rooms[s.ID] = r
	f.order = append(f.order, s.ID)
	return r.info, nil
}

// join adds a member to room id.
func (f *fakeRooms) join(id, callID string, muted bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rooms[id]
	r.members = append(r.members, rooms.MemberInfo{CallID: callID, Joined: f.now, Muted: muted})
	r.info.Members = len(r.members)
}

func (f *fakeRooms) Get(id string) (rooms.Info, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.rooms[id]
	if !ok {
		return rooms.Info{}, false
	}
	return r.info, true
}

func (f *fakeRooms) List() []rooms.Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []rooms.Info
	for _, id := range f.order {
		out = append(out, f.rooms[id].info)
	}
	return out
}

func (f *fakeRooms) Members(id string) ([]rooms.MemberInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.rooms[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", rooms.ErrNoRoom, id)
	}
	return slices.Clone(r.members), nil
}

func (f *fakeRooms) member(id, callID string) (*fakeRoom, int, error) {
	r, ok := f.rooms[id]
	if !ok {
		return nil, 0, fmt.Errorf("%w: %q", rooms.ErrNoRoom, id)
	}
	i := slices.IndexFunc(r.members, func(m rooms.MemberInfo) bool { return m.CallID == callID })
	if i < 0 {
		return nil, 0, fmt.Errorf("%w: %q", rooms.ErrNoMember, callID)
	}
	return r, i, nil
}

func (f *fakeRooms) Mute(id, callID string, mute bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, i, err := f.member(id, callID)
	if err != nil {
		return err
	}
	r.members[i].Muted = mute
	return nil
}

func (f *fakeRooms) Kick(id, callID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, i, err := f.member(id, callID)
	if err != nil {
		return err
	}
	r.members = slices.Delete(r.members, i, i+1)
	r.info.Members = len(r.members)
	return nil
}

func (f *fakeRooms) End(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.rooms[id]; !ok {
		return fmt.Errorf("%w: %q", rooms.ErrNoRoom, id)
	}
	delete(f.rooms, id)
	f.order = slices.DeleteFunc(f.order, func(s string) bool { return s == id })
	return nil
}

func (f *fakeRooms) Play(ctx context.Context, id string, prompts []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.rooms[id]; !ok {
		return fmt.Errorf("%w: %q", rooms.ErrNoRoom, id)
	}
	if f.playErr != nil {
		return f.playErr
	}
	f.played[id] = append(f.played[id], prompts...)
	return nil
}

func (f *fakeRooms) Record(id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.rooms[id]
	switch {
	case !ok:
		return "", fmt.Errorf("%w: %q", rooms.ErrNoRoom, id)
	case f.recErr != nil:
		return "", f.recErr
	case r.info.Recording != "":
		return "", fmt.Errorf("%w: %q", rooms.ErrRecording, id)
	}
	r.info.Recording = f.now.Format("2006/01/02") + "/conf-" + id + "-" + f.now.Format("150405") + ".wav"
	return r.info.Recording, nil
}

func (f *fakeRooms) StopRecord(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.rooms[id]
	switch {
	case !ok:
		return fmt.Errorf("%w: %q", rooms.ErrNoRoom, id)
	case r.info.Recording == "":
		return fmt.Errorf("%w: %q", rooms.ErrNotRecording, id)
	}
	r.info.Recording = ""
	return nil
}

// fakeCalls is a Calls that records what it dials.
type fakeCalls struct {
	mu      sync.Mutex
	dialled []dialled
	err     error // DialIVR's error, when set
	live    map[string]call.Info
}

type dialled struct{ ivr, number, fromExt string }

var _ Calls = (*fakeCalls)(nil)
var _ Calls = (*call.Manager)(nil)

func (c *fakeCalls) DialIVR(ctx context.Context, ivr, number, fromExt string) (call.Info, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return call.Info{}, c.err
	}
	c.dialled = append(c.dialled, dialled{ivr, number, fromExt})
	return call.Info{ID: fmt.Sprintf("1700000000.%d", len(c.dialled)), Dir: event.Outbound, From: ivr, To: number}, nil
}

func (c *fakeCalls) Lookup(id string) (call.Info, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok := c.live[id]
	return in, ok
}
