package conf

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/stream"
)

func TestCreateListGet(t *testing.T) {
	r := newRig(t, Options{})
	a := r.create(Spec{})
	if len(a.ID) != 8 || a.ID[0] == '0' || strings.Trim(a.ID, "0123456789") != "" {
		t.Errorf("id %q: want 8 digits, no leading 0", a.ID)
	}
	if a.MaxMembers != DefaultMaxMembers || a.Members != 0 || a.Created.IsZero() {
		t.Errorf("defaults: %+v", a)
	}
	b := r.create(Spec{ID: "sales-1", MaxMembers: 3, Owner: "1700000000.1", AutoJoin: true})
	if b.ID != "sales-1" || b.MaxMembers != 3 || b.Owner != "1700000000.1" || !b.AutoJoin {
		t.Errorf("named: %+v", b)
	}
	for _, s := range []Spec{{ID: "sales-1"}, {MaxMembers: -1}, {MaxMembers: MaxMembersLimit + 1},
		{ID: "a b"}, {ID: strings.Repeat("1", 33)}, {ID: "x/../y"}} {
		if _, err := r.m.Create(s); err == nil {
			t.Errorf("create %+v: no error", s)
		}
	}
	if _, err := r.m.Create(Spec{ID: "sales-1"}); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate: %v, want ErrExists", err)
	}
	if _, err := r.m.Create(Spec{MaxMembers: 301}); !errors.Is(err, ErrInvalid) {
		t.Errorf("301 members: %v, want ErrInvalid", err)
	}
	if c := r.create(Spec{MaxMembers: MaxMembersLimit}); c.MaxMembers != MaxMembersLimit {
		t.Errorf("limit: %+v", c)
	}
	list := r.m.List()
	if len(list) != 3 || list[0].ID != a.ID && list[1].ID != a.ID {
		t.Errorf("list: %+v", list)
	}
	if got, ok := r.m.Get("sales-1"); !ok || got != b {
		t.Errorf("get: %+v %v, want %+v", got, ok, b)
	}
	if _, ok := r.m.Get("nope"); ok {
		t.Error("get of an unknown room")
	}
	if _, ok := r.m.Room("nope"); ok {
		t.Error("room of an unknown id")
	}
	if _, err := r.m.Members("nope"); !errors.Is(err, ErrNoRoom) {
		t.Errorf("members of an unknown room: %v", err)
	}
	if got := describe(r.events()); len(got) != 3 || got[0] != "conf.created 0" {
		t.Errorf("events: %q", got)
	}
}

func TestFreeIDsAreUnique(t *testing.T) {
	r := newRig(t, Options{})
	seen := map[string]bool{}
	for range 500 {
		id := r.create(Spec{}).ID
		if seen[id] || len(id) != 8 || id[0] == '0' {
			t.Fatalf("id %q repeated or malformed", id)
		}
		seen[id] = true
	}
	if _, ok := freeID(func(string) bool { return true }); ok {
		t.Error("freeID found an id when every id is taken")
	}
}

func TestJoinAttachesAndLeaveRestores(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{}).ID
	a := r.mustJoin(id, "call-a")
	own := &ownSource{name: "someone else"}
	sinks, src := a.media.state()
	if len(sinks) != 1 || src == nil || any(sinks[0]) != any(src) {
		t.Fatalf("after join: sinks %v, source %v: want the member as both", sinks, src)
	}
	if _, isOwn := src.(*ownSource); isOwn {
		t.Fatal("the call's own source was kept")
	}
	ms, err := r.m.Members(id)
	if err != nil || len(ms) != 1 || ms[0].CallID != "call-a" || ms[0].Joined.IsZero() || ms[0].Muted {
		t.Fatalf("members: %+v %v", ms, err)
	}
	if info, _ := r.m.Get(id); info.Members != 1 {
		t.Errorf("info members %d, want 1", info.Members)
	}
	b := r.mustJoin(id, "call-b")
	if _, err := r.join(id, "call-b"); !errors.Is(err, ErrJoined) {
		t.Errorf("second join of the same call: %v, want ErrJoined", err)
	}

	// Someone else replaced a's source meanwhile: leave must not clobber it.
	a.media.SetSource(own)
	a.leave()
	a.leave() // idempotent
	sinks, src = a.media.state()
	if len(sinks) != 0 || src != own {
		t.Errorf("after leave: sinks %v, source %v: want none and the newer source", sinks, src)
	}
	b.leave()
	sinks, src = b.media.state()
	if len(sinks) != 0 || src == nil || src.(*ownSource).name != "call-b" {
		t.Errorf("after leave: sinks %v, source %v: want none and the call's own", sinks, src)
	}
	if isClosed(a.gone) || isClosed(b.gone) {
		t.Error("gone closed for members who left by themselves")
	}
	if a.reason() != ReasonLeft {
		t.Errorf("reason %q, want left", a.reason())
	}
	if _, ok := r.m.Get(id); ok {
		t.Error("an emptied room is kept (EmptyTimeout 0)")
	}
	want := []string{"conf.created 0", "conf.joined 1 call-a", "conf.joined 2 call-b",
		"conf.left 1 call-a left", "conf.left 0 call-b left", "conf.ended 0 empty"}
	if got := describe(r.events()); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}

func TestJoinEventsCarryTheCall(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{MaxMembers: 4}).ID
	j := r.mustJoin(id, "c1")
	defer j.leave()
	evs := r.events()
	e := evs[len(evs)-1]
	if e.Kind != event.ConfJoined || e.CallID != "c1" || e.Conf.ID != id || e.Conf.MaxMembers != 4 || e.Seq == 0 {
		t.Errorf("joined event %+v %+v", e, e.Conf)
	}
}

func TestAudioFlowsThroughTheRoom(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{}).ID
	a, b := r.mustJoin(id, "a"), r.mustJoin(id, "b")
	defer a.leave()
	defer b.leave()
	for range 3 {
		a.media.say(loud())
		b.media.say(make([]int16, stream.FrameSamples))
		r.mix.Tick()
		ha, hb := a.media.hear(), b.media.hear()
		if level(hb) < 4000 || level(ha) > 100 {
			t.Fatalf("b hears level %d (want a's 8000), a hears %d (want silence)", level(hb), level(ha))
		}
	}
}

func TestFullRoom(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{MaxMembers: 2}).ID
	a, b := r.mustJoin(id, "a"), r.mustJoin(id, "b")
	defer b.leave()
	if _, err := r.join(id, "c"); !errors.Is(err, ErrFull) {
		t.Fatalf("third member: %v, want ErrFull", err)
	}
	a.leave()
	c := r.mustJoin(id, "c")
	defer c.leave()
	if info, _ := r.m.Get(id); info.Members != 2 {
		t.Errorf("members %d, want 2", info.Members)
	}
}

func TestJoinFailureGivesThePlaceBack(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{MaxMembers: 1}).ID
	room, _ := r.m.Room(id)
	bad := &fakeMedia{sinkErr: stream.ErrTooManySinks}
	if _, _, _, err := room.Join(callMember("x", bad)); !errors.Is(err, stream.ErrTooManySinks) {
		t.Fatalf("join with failing media: %v", err)
	}
	if _, _, _, err := room.Join(callMember("y", nil)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("join without media: %v", err)
	}
	j := r.mustJoin(id, "a") // the place is free again
	j.leave()
}

func TestMuteKickEnd(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{}).ID
	a, b, c := r.mustJoin(id, "a"), r.mustJoin(id, "b"), r.mustJoin(id, "c")
	r.events()

	if err := r.m.Mute(id, "a", true); err != nil {
		t.Fatal(err)
	}
	if err := r.m.Mute(id, "a", true); err != nil { // no change, no event
		t.Fatal(err)
	}
	if ms, _ := r.m.Members(id); !ms[0].Muted || ms[1].Muted {
		t.Errorf("members after mute: %+v", ms)
	}
	a.media.say(loud())
	r.mix.Tick()
	if l := level(b.media.hear()); l > 100 {
		t.Errorf("b hears a muted a at level %d", l)
	}
	if err := r.m.Mute(id, "a", false); err != nil {
		t.Fatal(err)
	}
	if err := r.m.Mute(id, "zz", true); !errors.Is(err, ErrNoMember) {
		t.Errorf("mute of a stranger: %v", err)
	}
	if err := r.m.Mute("nope", "a", true); !errors.Is(err, ErrNoRoom) {
		t.Errorf("mute in an unknown room: %v", err)
	}

	if err := r.m.Kick(id, "b"); err != nil {
		t.Fatal(err)
	}
	if !isClosed(b.gone) || b.reason() != ReasonKicked {
		t.Errorf("kicked: gone closed %v, reason %q", isClosed(b.gone), b.reason())
	}
	if err := r.m.Kick(id, "b"); !errors.Is(err, ErrNoMember) {
		t.Errorf("second kick: %v, want ErrNoMember", err)
	}
	b.leave() // what the call's join command does once gone is closed
	if sinks, src := b.media.state(); len(sinks) != 0 || src.(*ownSource).name != "b" {
		t.Errorf("kicked member's media not restored: %v %v", sinks, src)
	}

	if err := r.m.End(id); err != nil {
		t.Fatal(err)
	}
	for _, j := range []*joined{a, c} {
		if !isClosed(j.gone) || j.reason() != ReasonEnded {
			t.Errorf("ended: gone closed %v, reason %q", isClosed(j.gone), j.reason())
		}
		j.leave()
		if sinks, _ := j.media.state(); len(sinks) != 0 {
			t.Errorf("sinks left after the room ended: %v", sinks)
		}
	}
	if _, ok := r.m.Get(id); ok {
		t.Error("ended room still listed")
	}
	if err := r.m.End(id); !errors.Is(err, ErrNoRoom) {
		t.Errorf("second end: %v, want ErrNoRoom", err)
	}
	room, _ := r.m.Room(r.create(Spec{ID: "x"}).ID)
	_ = r.m.End("x")
	if _, _, _, err := room.Join(callMember("late", &fakeMedia{})); !errors.Is(err, ErrNoRoom) {
		t.Errorf("join of an ended room: %v, want ErrNoRoom", err)
	}
	want := []string{"conf.muted 3 a muted", "conf.muted 3 a", "conf.left 2 b kicked",
		"conf.left 1 a ended", "conf.left 0 c ended", "conf.ended 0 ended",
		"conf.created 0", "conf.ended 0 ended"}
	if got := describe(r.events()); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}

func TestTonesAndPlay(t *testing.T) {
	notice := prompt.NewAudio("notice.wav", loud())
	r := newRig(t, Options{Prompts: fakePrompts{"notice.wav": notice}})
	id := r.create(Spec{JoinTone: true, LeaveTone: true}).ID
	a := r.mustJoin(id, "a")
	defer a.leave()
	heard := 0
	for range (len(joinTone) + stream.FrameSamples - 1) / stream.FrameSamples {
		r.mix.Tick()
		heard = max(heard, level(a.media.hear()))
	}
	if heard < 1000 {
		t.Errorf("join tone heard at level %d", heard)
	}
	if r.mix.Tick(); level(a.media.hear()) > 100 {
		t.Error("the join tone does not end")
	}
	if err := r.m.Play(context.Background(), id, []string{"notice.wav"}); err != nil {
		t.Fatal(err)
	}
	if r.mix.Tick(); level(a.media.hear()) < 4000 {
		t.Error("the prompt played is not heard")
	}
	for _, tc := range []struct {
		id      string
		prompts []string
		want    error
	}{
		{id, []string{"notice.wav", "missing.wav"}, errNotFound},
		{id, nil, ErrInvalid},
		{id, make([]string, MaxPlay+1), ErrInvalid},
		{"nope", []string{"notice.wav"}, ErrNoRoom},
	} {
		if err := r.m.Play(context.Background(), tc.id, tc.prompts); !errors.Is(err, tc.want) {
			t.Errorf("play %q in %q: %v, want %v", tc.prompts, tc.id, err, tc.want)
		}
	}
	if len(leaveTone) != len(joinTone) || slices.Equal(leaveTone, joinTone) {
		t.Error("leave tone should be the join tone's mirror")
	}
}

func TestIdleRoomIsDeleted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, Options{})
		id := r.create(Spec{}).ID
		time.Sleep(DefaultIdleTimeout - time.Second)
		synctest.Wait()
		if _, ok := r.m.Get(id); !ok {
			t.Fatal("deleted before the idle timeout")
		}
		time.Sleep(time.Second + WatchInterval)
		synctest.Wait()
		if _, ok := r.m.Get(id); ok {
			t.Fatal("kept after the idle timeout")
		}
		if got, want := describe(r.events()), []string{"conf.created 0", "conf.ended 0 idle"}; !slices.Equal(got, want) {
			t.Errorf("events %q, want %q", got, want)
		}

		// A room someone joined in time is not idle, and empties by the
		// empty rule.
		id = r.create(Spec{}).ID
		time.Sleep(time.Minute)
		j := r.mustJoin(id, "a")
		time.Sleep(DefaultIdleTimeout)
		synctest.Wait()
		if _, ok := r.m.Get(id); !ok {
			t.Fatal("a room with a member was deleted as idle")
		}
		j.leave()
		if _, ok := r.m.Get(id); ok {
			t.Fatal("an emptied room is kept")
		}
	})
}

func TestEmptyTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, Options{IdleTimeout: time.Minute, EmptyTimeout: 30 * time.Second})
		id := r.create(Spec{}).ID
		r.mustJoin(id, "a").leave()
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if _, ok := r.m.Get(id); !ok {
			t.Fatal("deleted before the empty timeout")
		}
		b := r.mustJoin(id, "b") // back in time: the deadline is off
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if _, ok := r.m.Get(id); !ok {
			t.Fatal("deleted with a member in it")
		}
		b.leave()
		time.Sleep(30*time.Second + WatchInterval)
		synctest.Wait()
		if _, ok := r.m.Get(id); ok {
			t.Fatal("kept after the empty timeout")
		}
		evs := r.events()
		if last := describe(evs[len(evs)-1:]); last[0] != "conf.ended 0 empty" {
			t.Errorf("last event %q", last)
		}
	})
}

func TestNeverExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, Options{IdleTimeout: -1, EmptyTimeout: -1})
		id := r.create(Spec{}).ID
		time.Sleep(DefaultIdleTimeout + time.Minute)
		r.mustJoin(id, "a").leave()
		time.Sleep(time.Hour)
		synctest.Wait()
		if _, ok := r.m.Get(id); !ok {
			t.Fatal("deleted though the timeouts are off")
		}
	})
}

func TestTalkingEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t, Options{})
		id := r.create(Spec{}).ID
		a := r.mustJoin(id, "a")
		defer a.leave()
		r.events()
		for range 5 {
			a.media.say(loud())
			r.mix.Tick()
		}
		time.Sleep(WatchInterval)
		synctest.Wait()
		if ms, _ := r.m.Members(id); !ms[0].Talking {
			t.Error("member not talking")
		}
		for range 30 { // past the hangover
			a.media.say(make([]int16, stream.FrameSamples))
			r.mix.Tick()
		}
		time.Sleep(WatchInterval)
		synctest.Wait()
		want := []string{"conf.talking 1 a talking", "conf.talking 1 a"}
		if got := describe(r.events()); !slices.Equal(got, want) {
			t.Errorf("events %q, want %q", got, want)
		}
	})
}

func TestConcurrentJoins(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{MaxMembers: 20}).ID
	stop := make(chan struct{})
	var ticking sync.WaitGroup
	ticking.Go(func() { // the mixer and the watcher read while members come and go
		for {
			select {
			case <-stop:
				return
			default:
				r.mix.Tick()
				_, _ = r.m.Members(id)
				r.m.sweep()
			}
		}
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var in []*joined
	full := 0
	for i := range 50 {
		wg.Go(func() {
			j, err := r.join(id, fmt.Sprint("call-", i))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				in = append(in, j)
			case errors.Is(err, ErrFull):
				full++
			default:
				t.Errorf("join: %v", err)
			}
		})
	}
	wg.Wait()
	if len(in) != 20 || full != 30 {
		t.Fatalf("%d joined and %d refused, want 20 and 30", len(in), full)
	}
	for i, j := range in {
		wg.Go(func() {
			if i%3 == 0 {
				_ = r.m.Kick(id, "nobody")
				_ = r.m.Mute(id, "call-1", i%2 == 0)
			}
			j.leave()
		})
	}
	wg.Wait()
	close(stop)
	ticking.Wait()
	if _, ok := r.m.Get(id); ok {
		t.Error("room kept after everyone left")
	}
	joins, leaves := 0, 0
	for _, e := range r.events() {
		switch e.Kind {
		case event.ConfJoined:
			joins++
		case event.ConfLeft:
			leaves++
		}
	}
	if joins != 20 || leaves != 20 {
		t.Errorf("%d joined and %d left events, want 20 each", joins, leaves)
	}
}

func TestJoinsRacingEnd(t *testing.T) {
	r := newRig(t, Options{})
	for round := range 20 {
		id := r.create(Spec{MaxMembers: 8}).ID
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				j, err := r.join(id, fmt.Sprint(round, "-", i))
				if err != nil {
					if !errors.Is(err, ErrNoRoom) {
						t.Errorf("join: %v", err)
					}
					return
				}
				<-j.gone // the room lets everyone go
				if j.reason() != ReasonEnded {
					t.Errorf("reason %q", j.reason())
				}
				j.leave()
				if sinks, _ := j.media.state(); len(sinks) != 0 {
					t.Errorf("sinks left: %v", sinks)
				}
			})
		}
		wg.Go(func() { _ = r.m.End(id) })
		wg.Wait()
	}
	if n := len(r.m.List()); n != 0 {
		t.Errorf("%d rooms left", n)
	}
}

func TestClose(t *testing.T) {
	r := newRig(t, Options{})
	id := r.create(Spec{}).ID
	j := r.mustJoin(id, "a")
	if err := r.m.Close(); err != nil {
		t.Fatal(err)
	}
	_ = r.m.Close()
	if !isClosed(j.gone) || j.reason() != ReasonEnded {
		t.Errorf("member after Close: gone %v, reason %q", isClosed(j.gone), j.reason())
	}
	j.leave()
	if _, err := r.m.Create(Spec{}); !errors.Is(err, ErrClosed) {
		t.Errorf("create after Close: %v", err)
	}
	if len(r.m.List()) != 0 {
		t.Error("rooms after Close")
	}
	evs := describe(r.events())
	if evs[len(evs)-1] != "conf.ended 0 shutdown" {
		t.Errorf("events %q", evs)
	}
}
