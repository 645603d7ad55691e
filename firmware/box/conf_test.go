package box

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/conf"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/ivr"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/stream"
)

// roomCall is a call's control as runConf uses it: Do runs a join command
// the way the call's executor does (join, wait for the room to let go,
// leave).
type roomCall struct {
	id       string
	mu       sync.Mutex
	answered bool
	causes   []string
}

func (c *roomCall) Answer(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.answered = true
	return nil
}

func (c *roomCall) Hangup(_ context.Context, cause string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.causes = append(c.causes, cause)
	return nil
}

func (c *roomCall) Do(ctx context.Context, cmd call.Command) (call.Result, error) {
	if cmd.Kind != call.KindJoin || cmd.Room == nil {
		return call.Result{Status: call.StatusFailed, Reason: "not a join"}, nil
	}
	leave, gone, reason, err := cmd.Room.Join(call.Member{CallID: c.id, Media: &nullMedia{}})
	if err != nil {
		return call.Result{Kind: cmd.Kind, Status: call.StatusFailed, Reason: err.Error()}, nil
	}
	defer leave()
	select {
	case <-gone:
		return call.Result{Kind: cmd.Kind, Status: call.StatusDone, Reason: reason()}, nil
	case <-ctx.Done():
		return call.Result{Kind: cmd.Kind, Status: call.StatusStopped}, ctx.Err()
	}
}

// nullMedia is media that takes any sink and source.
type nullMedia struct {
	mu  sync.Mutex
	src stream.Source
}

func (*nullMedia) AddSink(stream.Sink) error { return nil }
func (*nullMedia) RemoveSink(stream.Sink)    {}
func (m *nullMedia) SetSource(s stream.Source) stream.Source {
	m.mu.Lock()
	defer m.mu.Unlock()
	prev := m.src
	m.src = s
	return prev
}
func (m *nullMedia) CompareAndSwapSource(old, new stream.Source) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.src != old {
		return false
	}
	m.src = new
	return true
}

func TestConfNumbers(t *testing.T) {
	bus := event.NewBus(nil)
	sub := bus.Subscribe(64)
	defer sub.Close()
	mx := mix.New(mix.Options{Manual: true})
	defer mx.Close()
	rooms := conf.New(conf.Options{Bus: bus, Mix: mx})
	defer rooms.Close()
	info, err := rooms.Create(conf.Spec{})
	if err != nil {
		t.Fatal(err)
	}
	r := runner{conf: rooms}
	for number, want := range map[string]bool{ConfPrefix + info.ID: true, ConfPrefix + "99": false, ConfPrefix: false} {
		if got := r.Has(number); got != want {
			t.Errorf("Has(%q) = %v, want %v", number, got, want)
		}
	}
	if (runner{}).Has(ConfPrefix + info.ID) {
		t.Error("Has without rooms")
	}

	// A caller who dialled the number is turned away, like a missing room.
	c := &roomCall{id: "in"}
	if err := runConf(t.Context(), c, false, rooms, info.ID); !errors.Is(err, conf.ErrNoRoom) {
		t.Errorf("inbound: %v", err)
	}
	if err := runConf(t.Context(), c, true, rooms, "99"); !errors.Is(err, conf.ErrNoRoom) {
		t.Errorf("missing room: %v", err)
	}
	if c.answered || len(c.causes) != 2 || c.causes[0] != ivr.CauseNoIVR {
		t.Errorf("turned away: answered %v, causes %v", c.answered, c.causes)
	}

	// A placed call stays in the room until kicked, then is hung up.
	c = &roomCall{id: "out"}
	done := make(chan error, 1)
	go func() { done <- runConf(t.Context(), c, true, rooms, info.ID) }()
	for e := range sub.C() {
		if e.Kind == event.ConfJoined {
			break
		}
	}
	if err := rooms.Kick(info.ID, "out"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if !c.answered || len(c.causes) != 1 || c.causes[0] != ivr.CauseNormal {
		t.Errorf("placed: answered %v, causes %v", c.answered, c.causes)
	}

	// A full room: the join fails and the call is hung up.
	full, _ := rooms.Create(conf.Spec{MaxMembers: 1})
	room, _ := rooms.Room(full.ID)
	leave, _, _, err := room.Join(call.Member{CallID: "x", Media: &nullMedia{}})
	if err != nil {
		t.Fatal(err)
	}
	defer leave()
	c = &roomCall{id: "late"}
	if err := runConf(t.Context(), c, true, rooms, full.ID); err == nil || len(c.causes) != 1 {
		t.Errorf("full room: %v, causes %v", err, c.causes)
	}
}
