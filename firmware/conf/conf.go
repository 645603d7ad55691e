package conf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// Limits and defaults.
const (
	// DefaultMaxMembers is a room's limit when its Spec names none.
	DefaultMaxMembers = 10
	// MaxMembersLimit is the largest limit a room may have.
	MaxMembersLimit = 300
	// MaxRooms is how many rooms may be live at once.
	MaxRooms = 1000
	// MaxPlay is how many prompts one Play may queue.
	MaxPlay = call.MaxPrompts
	// DefaultIdleTimeout is how long a room waits for its first member.
	DefaultIdleTimeout = 10 * time.Minute
)

// The errors of the package; the errors returned wrap them.
var (
	ErrNoRoom   = errors.New("conf: no such room")
	ErrFull     = errors.New("conf: room full")
	ErrNoMember = errors.New("conf: no such member")
	ErrClosed   = errors.New("conf: closed")
	ErrExists   = errors.New("conf: room exists")
	ErrJoined   = errors.New("conf: call already in the room")
	ErrTooMany  = errors.New("conf: too many rooms")
	ErrInvalid  = errors.New("conf: invalid request")
)

// Prompts decodes prompts for Play (a *prompt.Cache).
type Prompts interface {
	Get(ctx context.Context, name string) (*prompt.Audio, error)
}

// Options configures a Manager. Mix is required; zero values of the others
// are the documented defaults.
type Options struct {
	Bus     *event.Bus   // where the Conf* events go; nil: nowhere
	Mix     *mix.Engine  // the mixer of every room
	Prompts Prompts      // decodes what Play plays; nil: Play fails
	Log     *slog.Logger // nil: discard
	// Now is the clock for Created, Joined and the timeouts (nil: time.Now).
	Now func() time.Time
	// IdleTimeout: a room nobody joins within it is deleted (reason idle);
	// 0: DefaultIdleTimeout; negative: never.
	IdleTimeout time.Duration
	// EmptyTimeout: a room whose last member left is deleted after it
	// unless someone joins again (reason empty); 0: at once; negative:
	// never. A room that never had a member follows IdleTimeout instead.
	EmptyTimeout time.Duration
	// Recorder records rooms (Record; a *record.Recorder); nil: Record
	// fails with ErrNoRecorder.
	Recorder Recorder
}

// Spec describes a room to create. Zero values are the defaults.
type Spec struct {
	// MaxMembers is the room's member limit (0: DefaultMaxMembers; at most
	// MaxMembersLimit).
	MaxMembers int
	// AutoJoin is the creator's wish to join at once (the XML CreateConf
	// autojoin); the manager only keeps it for Info.
	AutoJoin bool
	// Owner is the id of the call that created the room, if any.
	Owner string
	// JoinTone and LeaveTone play a short beep to the room when a member
	// joins or leaves.
	JoinTone, LeaveTone bool
	// ID names the room: 1 to 32 letters, digits, '-' or '_'. "" makes a
	// free random 8-digit id that does not start with 0.
	ID string
}

// Info is a room's snapshot.
type Info struct {
	ID         string    `json:"id"`
	Created    time.Time `json:"created"`
	MaxMembers int       `json:"max_members"`
	Members    int       `json:"members"`
	Owner      string    `json:"owner,omitempty"`
	AutoJoin   bool      `json:"autojoin,omitempty"`
	// Recording is the file the room is being recorded into (Record),
	// relative to the recordings folder; "" when it is not.
	Recording string `json:"recording,omitempty"`
}

// MemberInfo is a member's snapshot.
type MemberInfo struct {
	CallID  string    `json:"callid"`
	Joined  time.Time `json:"joined"`
	Muted   bool      `json:"muted"`
	Talking bool      `json:"talking"`
}

// Manager keeps the live rooms. Its methods are safe for concurrent use.
// Events are published in the order of the changes; a bus hook may call the
// read methods (Get, List, Members, Room) but none that changes a room.
type Manager struct {
	opt Options
	log *slog.Logger

	// pub is held across a change and the publishing of its events, so
	// that events leave in the order of the changes while mu is free for
	// readers (a hook may read).
	pub sync.Mutex
	// mu guards rooms, closed and the fields of rooms and members marked
	// "guarded by Manager.mu".
	mu     sync.Mutex
	rooms  map[string]*room
	closed bool

	recWG sync.WaitGroup // the rooms' recording watchers (Record)

	wake      chan struct{} // a room was created: the watcher starts ticking
	stop      chan struct{} // closed by Close
	done      chan struct{} // closed when the watcher returned
	closeOnce sync.Once
}

// New returns a Manager and starts its watcher goroutine (talking, timeouts),
// which Close stops.
func New(opts Options) *Manager {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.IdleTimeout == 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	m := &Manager{opt: opts, log: opts.Log, rooms: map[string]*room{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go m.watch()
	return m
}

// Close ends every room (reason shutdown: members are let go, ConfLeft and
// ConfEnded published, recordings finalised and RecordingFinished
// published) and stops the watcher. Later calls fail with ErrClosed. It is
// idempotent and waits for the watcher and the recordings.
func (m *Manager) Close() error {
	m.closeOnce.Do(func() {
		m.pub.Lock()
		m.mu.Lock()
		m.closed = true
		var evs []event.Event
		for _, r := range m.rooms {
			evs = m.endLocked(r, ReasonShutdown, evs)
		}
		m.mu.Unlock()
		m.publish(evs)
		m.pub.Unlock()
		close(m.stop)
	})
	<-m.done
	m.recWG.Wait()
	return nil
}

// Create makes a room (event ConfCreated). Errors: ErrInvalid (a bad limit
// or id), ErrExists, ErrTooMany, ErrClosed.
func (m *Manager) Create(s Spec) (Info, error) {
	if err := normalize(&s); err != nil {
		return Info{}, err
	}
	m.pub.Lock()
	defer m.pub.Unlock()
	m.mu.Lock()
	r, err := m.createLocked(s)
	if err != nil {
		m.mu.Unlock()
		return Info{}, err
	}
	info := r.infoLocked()
	ev := r.eventLocked(event.ConfCreated, nil, "")
	m.mu.Unlock()
	m.publish([]event.Event{ev})
	select {
	case m.wake <- struct{}{}:
	default:
	}
	m.log.Info("conference created", "conf", info.ID, "max_members", info.MaxMembers, "owner", info.Owner)
	return info, nil
}

// normalize checks s and fills in its defaults.
func normalize(s *Spec) error {
	switch {
	case s.MaxMembers == 0:
		s.MaxMembers = DefaultMaxMembers
	case s.MaxMembers < 0 || s.MaxMembers > MaxMembersLimit:
		return fmt.Errorf("%w: max members %d (1 to %d)", ErrInvalid, s.MaxMembers, MaxMembersLimit)
	}
	if s.ID != "" && !validID(s.ID) {
		return fmt.Errorf("%w: room id %q (1 to 32 letters, digits, - or _)", ErrInvalid, s.ID)
	}
	if len(s.Owner) > 128 {
		return fmt.Errorf("%w: owner longer than 128 bytes", ErrInvalid)
	}
	return nil
}

// createLocked adds a room for s (normalized).
func (m *Manager) createLocked(s Spec) (*room, error) {
	if m.closed {
		return nil, ErrClosed
	}
	if len(m.rooms) >= MaxRooms {
		return nil, fmt.Errorf("%w (%d)", ErrTooMany, MaxRooms)
	}
	if s.ID == "" {
		id, ok := freeID(func(id string) bool { _, used := m.rooms[id]; return used })
		if !ok {
			return nil, fmt.Errorf("%w: no free id", ErrTooMany)
		}
		s.ID = id
	} else if _, used := m.rooms[s.ID]; used {
		return nil, fmt.Errorf("%w: %q", ErrExists, s.ID)
	}
	now := m.opt.Now()
	r := &room{m: m, spec: s, created: now, mix: m.opt.Mix.NewRoom()}
	if m.opt.IdleTimeout > 0 {
		r.deadline = now.Add(m.opt.IdleTimeout)
	}
	m.rooms[s.ID] = r
	return r, nil
}

// Room returns the room id, to join through a call.Command of kind
// call.KindJoin. A room that ends later refuses joins with ErrNoRoom.
func (m *Manager) Room(id string) (call.Room, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[id]
	if !ok {
		return nil, false
	}
	return r, true
}

// Get returns the room id's snapshot.
func (m *Manager) Get(id string) (Info, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[id]
	if !ok {
		return Info{}, false
	}
	return r.infoLocked(), true
}

// List returns every live room, oldest first (then by id).
func (m *Manager) List() []Info {
	m.mu.Lock()
	out := make([]Info, 0, len(m.rooms))
	for _, r := range m.rooms {
		out = append(out, r.infoLocked())
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Info) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Members returns the members of room id, in the order they joined.
// Talking is as the watcher last saw it.
func (m *Manager) Members(id string) ([]MemberInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[id]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	out := make([]MemberInfo, 0, len(r.members))
	for _, mb := range r.members {
		if mb.state == stateIn {
			out = append(out, MemberInfo{CallID: mb.callID, Joined: mb.joined, Muted: mb.muted, Talking: mb.talking})
		}
	}
	return out, nil
}

// Mute mutes (or unmutes) call callID in room id: a muted member hears the
// room and is not heard. A change publishes ConfMuted. Errors: ErrNoRoom,
// ErrNoMember.
func (m *Manager) Mute(id, callID string, mute bool) error {
	return m.change(id, callID, func(r *room, mb *member, evs []event.Event) []event.Event {
		if mb.muted == mute {
			return evs
		}
		mb.muted = mute
		mb.mix.SetMuted(mute)
		return append(evs, r.eventLocked(event.ConfMuted, mb, ""))
	})
}

// Kick lets call callID go from room id: its join command ends (gone
// closed, reason "kicked") and ConfLeft is published. Errors: ErrNoRoom,
// ErrNoMember.
func (m *Manager) Kick(id, callID string) error {
	return m.change(id, callID, func(r *room, mb *member, evs []event.Event) []event.Event {
		return m.dropLocked(r, mb, ReasonKicked, evs)
	})
}

// change runs f on member callID of room id, under the locks, and
// publishes the events f returns.
func (m *Manager) change(id, callID string, f func(*room, *member, []event.Event) []event.Event) error {
	m.pub.Lock()
	defer m.pub.Unlock()
	m.mu.Lock()
	r, ok := m.rooms[id]
	if !ok {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	mb := r.memberLocked(callID)
	if mb == nil {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q in room %q", ErrNoMember, callID, id)
	}
	evs := f(r, mb, nil)
	m.mu.Unlock()
	m.publish(evs)
	return nil
}

// End deletes room id: every member is let go (reason "ended", ConfLeft
// each), then ConfEnded. Errors: ErrNoRoom.
func (m *Manager) End(id string) error {
	m.pub.Lock()
	defer m.pub.Unlock()
	m.mu.Lock()
	r, ok := m.rooms[id]
	if !ok {
		m.mu.Unlock()
		return fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	evs := m.endLocked(r, ReasonEnded, nil)
	m.mu.Unlock()
	m.publish(evs)
	return nil
}

// Play decodes prompts (through Options.Prompts) and queues them, in order,
// to be heard by every member of room id. It returns once they are queued;
// nothing is queued if one fails to load. Errors: ErrNoRoom, ErrInvalid (no
// prompts, more than MaxPlay, no prompt source), the prompt's error.
func (m *Manager) Play(ctx context.Context, id string, prompts []string) error {
	if len(prompts) == 0 || len(prompts) > MaxPlay {
		return fmt.Errorf("%w: %d prompts (1 to %d)", ErrInvalid, len(prompts), MaxPlay)
	}
	if m.opt.Prompts == nil {
		return fmt.Errorf("%w: no prompt source", ErrInvalid)
	}
	if _, ok := m.Get(id); !ok {
		return fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	audio := make([]*prompt.Audio, 0, len(prompts))
	for _, name := range prompts {
		a, err := m.opt.Prompts.Get(ctx, name)
		if err != nil {
			return fmt.Errorf("conf: play %q in room %q: %w", name, id, err)
		}
		audio = append(audio, a)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[id]
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	for _, a := range audio {
		if len(a.PCM) > 0 {
			r.mix.Play(a.PCM)
		}
	}
	return nil
}

// publish puts evs on the bus, in order. The caller holds pub, not mu.
func (m *Manager) publish(evs []event.Event) {
	if m.opt.Bus == nil {
		return
	}
	for _, e := range evs {
		m.opt.Bus.Publish(e)
	}
}
