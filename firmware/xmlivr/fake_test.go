package xmlivr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
)

// fakeCall is a Call whose collects consume scripted caller input in
// order ("" is a timeout); when the input runs out the caller hangs up, so
// a looping application cannot hang a test. It records what was asked.
type fakeCall struct {
	id string

	mu     sync.Mutex // guards the fields below
	input  []string
	ops    []string
	keys   map[int]string // play number (from 0) → the key that stops it
	plays  int
	waited chan struct{} // closed by the first KindWait
	wOnce  sync.Once
	idle   bool // a KindWait lasts its whole duration at once (else: until the call ends)

	done chan struct{}
	once sync.Once
}

func newFakeCall(id string, input ...string) *fakeCall {
	return &fakeCall{id: id, input: input, keys: map[int]string{}, done: make(chan struct{}), waited: make(chan struct{})}
}

func (f *fakeCall) ID() string { return f.id }

func (f *fakeCall) Var(name string) string {
	switch name {
	case "CALLERID":
		return "13800138000"
	case "CALLEE", "EXTEN":
		return "6510"
	}
	return ""
}

func (f *fakeCall) Done() <-chan struct{} { return f.done }

func (f *fakeCall) Hangup(ctx context.Context, cause string) error {
	f.record("hangup " + cause)
	f.end()
	return nil
}

// callerHangsUp ends the call from the caller's side.
func (f *fakeCall) callerHangsUp() { f.record("caller hangs up"); f.end() }

func (f *fakeCall) end() { f.once.Do(func() { close(f.done) }) }

func (f *fakeCall) record(op string) {
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.mu.Unlock()
}

func (f *fakeCall) Ops() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ops...)
}

func (f *fakeCall) ended() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Do runs a command the way the call would, instantly.
func (f *fakeCall) Do(ctx context.Context, cmd call.Command) (call.Result, error) {
	res := call.Result{Kind: cmd.Kind, Tag: cmd.Tag, Status: call.StatusDone}
	if f.ended() {
		res.Status = call.StatusHungUp
		return res, nil
	}
	switch cmd.Kind {
	case call.KindPlay:
		return f.play(ctx, cmd, res)
	case call.KindCollect:
		return f.collect(cmd, res)
	case call.KindWait:
		f.record("wait " + cmd.Duration.String())
		f.wOnce.Do(func() { close(f.waited) })
		if f.idle {
			return res, nil
		}
		select {
		case <-f.done:
			res.Status = call.StatusHungUp
		case <-ctx.Done():
			res.Status = call.StatusStopped
			return res, ctx.Err()
		}
		return res, nil
	case call.KindJoin:
		return f.join(ctx, cmd, res)
	}
	return call.Result{Status: call.StatusFailed, Reason: "unsupported"}, fmt.Errorf("fake: %s", cmd.Kind)
}

func (f *fakeCall) play(ctx context.Context, cmd call.Command, res call.Result) (call.Result, error) {
	op := "play " + strings.Join(cmd.Prompts, ",")
	if cmd.Loop != 0 && cmd.Loop != 1 {
		op += fmt.Sprintf(" loop=%d", cmd.Loop)
	}
	if cmd.BargeIn {
		op += " barge"
	}
	f.record(op)
	f.mu.Lock()
	key, n := f.keys[f.plays], f.plays
	f.plays++
	f.mu.Unlock()
	_ = n
	switch {
	case key != "" && cmd.BargeIn:
		res.Status, res.Key = call.StatusKey, key
	case cmd.Loop < 0 && cmd.BargeIn:
		// a looping play: the next input's first key stops it, none loops on
		if k := f.nextKey(); k != "" {
			res.Status, res.Key = call.StatusKey, k
			return res, nil
		}
		select {
		case <-ctx.Done():
			res.Status = call.StatusStopped
			return res, ctx.Err()
		case <-f.done:
			res.Status = call.StatusHungUp
		}
	}
	return res, nil
}

// nextKey takes the first key of the next input ("" when it is a timeout
// or there is none; a timeout is consumed).
func (f *fakeCall) nextKey() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.input) == 0 {
		return ""
	}
	in := f.input[0]
	if in == "" {
		f.input = f.input[1:]
		return ""
	}
	f.input[0] = in[1:]
	if f.input[0] == "" {
		f.input = f.input[1:]
	}
	return in[:1]
}

func (f *fakeCall) collect(cmd call.Command, res call.Result) (call.Result, error) {
	f.record(fmt.Sprintf("collect %s max=%d finish=%s timeout=%v", strings.Join(cmd.Prompts, ","), cmd.MaxDigits, cmd.FinishKeys, cmd.FirstTimeout))
	f.mu.Lock()
	if len(f.input) == 0 {
		f.mu.Unlock()
		f.callerHangsUp()
		res.Status = call.StatusHungUp
		return res, nil
	}
	in := f.input[0]
	f.input = f.input[1:]
	f.mu.Unlock()
	if in == "" {
		res.Status = call.StatusTimeout
		return res, nil
	}
	if i := strings.IndexAny(in, cmd.FinishKeys); cmd.FinishKeys != "" && i >= 0 {
		in = in[:i]
		if in == "" {
			res.Status = call.StatusInvalid
		}
	}
	if len(in) > cmd.MaxDigits {
		in = in[:cmd.MaxDigits]
	}
	res.Digits = in
	return res, nil
}

func (f *fakeCall) join(ctx context.Context, cmd call.Command, res call.Result) (call.Result, error) {
	f.record("join")
	leave, gone, reason, err := cmd.Room.Join(call.Member{CallID: f.id})
	if err != nil {
		f.record("refused")
		res.Status, res.Reason = call.StatusFailed, err.Error()
		return res, nil
	}
	defer leave()
	select {
	case <-gone:
		res.Reason = reason()
		f.record("left " + res.Reason)
	case <-ctx.Done():
		res.Status = call.StatusStopped
		return res, ctx.Err()
	case <-f.done:
		res.Status = call.StatusHungUp
	}
	return res, nil
}

// fakeRooms are conference rooms with ids from 10000001 up.
type fakeRooms struct {
	mu     sync.Mutex // guards rooms and next
	rooms  map[string]*fakeRoom
	next   int
	joined chan string // told the id of each room joined
	// recorded lists the rooms Record was called for; recErr is its error.
	recorded []string
	recErr   error
}

func newFakeRooms() *fakeRooms {
	return &fakeRooms{rooms: map[string]*fakeRoom{}, next: 10000001, joined: make(chan string, 16)}
}

var errFull = errors.New("fake: room full")

func (r *fakeRooms) Create(maxMembers int, owner string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := fmt.Sprint(r.next)
	r.next++
	r.rooms[id] = &fakeRoom{id: id, max: maxMembers, owner: owner, gone: make(chan struct{}), rooms: r}
	return id, nil
}

func (r *fakeRooms) Room(id string) (call.Room, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	room, ok := r.rooms[id]
	return room, ok
}

func (r *fakeRooms) Record(id string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recorded = append(r.recorded, id)
	if r.recErr != nil {
		return "", r.recErr
	}
	if _, ok := r.rooms[id]; !ok {
		return "", fmt.Errorf("fake: no room %q", id)
	}
	return "2025/05/01/conf-" + id + "-120000.wav", nil
}

// recordedRooms returns the rooms Record was called for.
func (r *fakeRooms) recordedRooms() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.recorded)
}

func (r *fakeRooms) get(id string) *fakeRoom {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rooms[id]
}

// fakeRoom lets its members go when End is called.
type fakeRoom struct {
	id, owner string
	max       int
	rooms     *fakeRooms

	mu      sync.Mutex // guards members and why
	members int
	why     string
	gone    chan struct{}
}

func (r *fakeRoom) Join(m call.Member) (func(), <-chan struct{}, func() string, error) {
	r.mu.Lock()
	if r.members >= r.max {
		r.mu.Unlock()
		return nil, nil, nil, errFull
	}
	r.members++
	r.mu.Unlock()
	r.rooms.joined <- r.id
	var once sync.Once
	leave := func() { once.Do(func() { r.mu.Lock(); r.members--; r.mu.Unlock() }) }
	return leave, r.gone, func() string { r.mu.Lock(); defer r.mu.Unlock(); return r.why }, nil
}

// End lets every member go with reason.
func (r *fakeRoom) End(reason string) {
	r.mu.Lock()
	r.why = reason
	r.mu.Unlock()
	close(r.gone)
}

// waitJoined waits for a join into a room and returns its id.
func (r *fakeRooms) waitJoined(d time.Duration) (string, error) {
	select {
	case id := <-r.joined:
		return id, nil
	case <-time.After(d):
		return "", errors.New("no join")
	}
}
