package conf

import (
	"fmt"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/stream"
)

// Why a member left (ConfLeft, the join command's reason) and why a room
// ended (ConfEnded).
const (
	ReasonLeft     = "left"     // the member's join command ended (hang-up, stop)
	ReasonKicked   = "kicked"   // Kick
	ReasonEnded    = "ended"    // End
	ReasonIdle     = "idle"     // nobody joined within the idle timeout
	ReasonEmpty    = "empty"    // the last member left
	ReasonShutdown = "shutdown" // Close
)

// room is one conference room; it is the call.Room its callers join.
type room struct {
	m       *Manager
	spec    Spec // normalized: ID and MaxMembers set
	created time.Time
	mix     *mix.Room

	// Guarded by Manager.mu.
	members   []*member // joining and joined, in join order
	joined    int       // members in stateIn
	hadMember bool      // someone joined once: the empty rule applies
	deadline  time.Time // deleted when it passes while nobody is in (zero: never)
	ended     bool
	rec       *roomRec // the recording, from Record until it is told finished
	recSeq    int      // recordings made (their ids)
}

var _ call.Room = (*room)(nil)

// Member states.
const (
	stateJoining = iota // counted against the limit, media being attached
	stateIn             // in the room, visible
	stateOut            // let go or left; no longer in members
)

// member is one call in a room.
type member struct {
	r      *room
	callID string
	media  call.Media
	mix    *mix.Member
	gone   chan struct{} // closed when the room lets the member go
	once   sync.Once     // leave runs once
	// prev is the source the call had before the room's; written by Join
	// before it returns leave, read by leave.
	prev stream.Source

	// Guarded by Manager.mu.
	state   int
	joined  time.Time
	muted   bool
	talking bool   // as last published
	why     string // why the room let it go; set before gone is closed
}

// Join adds m to the room (call.Room): a mix member is attached to m.Media
// as a sink and as its source (the previous source is restored on leave),
// then ConfJoined is published and the join tone played. Errors: ErrClosed,
// ErrNoRoom (the room ended), ErrFull, ErrJoined, ErrInvalid (no media),
// the media's AddSink error.
func (r *room) Join(cm call.Member) (leave func(), gone <-chan struct{}, reason func() string, err error) {
	if cm.Media == nil {
		return nil, nil, nil, fmt.Errorf("%w: join %q: no media", ErrInvalid, r.spec.ID)
	}
	mb, err := r.m.reserve(r, cm)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := cm.Media.AddSink(mb.mix); err != nil {
		r.m.unreserve(mb)
		return nil, nil, nil, fmt.Errorf("conf: join %q: %w", r.spec.ID, err)
	}
	mb.prev = cm.Media.SetSource(mb.mix)
	r.m.admit(mb)
	return mb.leave, mb.gone, mb.reason, nil
}

// reserve takes a place in r for cm: a joining member, counted against the
// limit but not yet visible.
func (m *Manager) reserve(r *room, cm call.Member) (*member, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.closed:
		return nil, ErrClosed
	case r.ended:
		return nil, fmt.Errorf("%w: %q", ErrNoRoom, r.spec.ID)
	case len(r.members) >= r.spec.MaxMembers:
		return nil, fmt.Errorf("%w: %q has %d members", ErrFull, r.spec.ID, r.spec.MaxMembers)
	}
	for _, o := range r.members {
		if o.callID == cm.CallID {
			return nil, fmt.Errorf("%w: %q in %q", ErrJoined, cm.CallID, r.spec.ID)
		}
	}
	mb := &member{r: r, callID: cm.CallID, media: cm.Media, mix: r.mix.Add(), gone: make(chan struct{}),
		state: stateJoining}
	r.members = append(r.members, mb)
	return mb, nil
}

// unreserve gives up a reservation whose media could not be attached.
func (m *Manager) unreserve(mb *member) {
	m.pub.Lock()
	defer m.pub.Unlock()
	m.mu.Lock()
	var evs []event.Event
	r := mb.r
	if mb.state == stateJoining {
		r.removeLocked(mb)
		evs = m.vacatedLocked(r, evs)
	}
	if !r.ended {
		r.mix.Remove(mb.mix)
	}
	m.mu.Unlock()
	m.publish(evs)
}

// admit makes a joining member a member (ConfJoined, the join tone), unless
// the room let it go meanwhile (its gone is closed then, and the caller's
// leave detaches the media).
func (m *Manager) admit(mb *member) {
	m.pub.Lock()
	defer m.pub.Unlock()
	m.mu.Lock()
	r := mb.r
	if mb.state != stateJoining {
		m.mu.Unlock()
		return
	}
	mb.state, mb.joined = stateIn, m.opt.Now()
	r.joined++
	r.hadMember = true
	r.deadline = time.Time{}
	if r.spec.JoinTone {
		r.mix.Play(joinTone)
	}
	evs := []event.Event{r.eventLocked(event.ConfJoined, mb, "")}
	m.mu.Unlock()
	m.publish(evs)
	m.log.Info("conference joined", "conf", r.spec.ID, "call", mb.callID)
}

// leave takes the member out (the func Join returns): the media is
// detached and restored, then, unless the room let it go already, ConfLeft
// is published and the leave tone played. It is idempotent.
func (mb *member) leave() {
	mb.once.Do(func() {
		mb.media.RemoveSink(mb.mix)
		mb.media.CompareAndSwapSource(mb.mix, mb.prev)
		m := mb.r.m
		m.pub.Lock()
		defer m.pub.Unlock()
		m.mu.Lock()
		var evs []event.Event
		if mb.state != stateOut {
			evs = m.dropLocked(mb.r, mb, ReasonLeft, evs)
		}
		if !mb.r.ended {
			mb.r.mix.Remove(mb.mix)
		}
		m.mu.Unlock()
		m.publish(evs)
	})
}

// reason says why the room let the member go (the func Join returns).
func (mb *member) reason() string {
	m := mb.r.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if mb.why == "" {
		return ReasonLeft
	}
	return mb.why
}

// dropLocked takes mb out of r for why (left, kicked): ConfLeft, the leave
// tone, gone closed (unless it left by itself), and the empty rule.
func (m *Manager) dropLocked(r *room, mb *member, why string, evs []event.Event) []event.Event {
	was := mb.state
	r.removeLocked(mb)
	if why != ReasonLeft {
		mb.why = why
		mb.mix.SetMuted(true) // not heard until its call detaches it
		close(mb.gone)
	}
	if was == stateIn {
		evs = append(evs, r.eventLocked(event.ConfLeft, mb, why))
		if r.spec.LeaveTone {
			r.mix.Play(leaveTone)
		}
		m.log.Info("conference left", "conf", r.spec.ID, "call", mb.callID, "reason", why)
	}
	return m.vacatedLocked(r, evs)
}

// vacatedLocked applies the empty rule once r may have emptied: a room
// that had a member and has none is ended at once (EmptyTimeout 0) or
// given a deadline.
func (m *Manager) vacatedLocked(r *room, evs []event.Event) []event.Event {
	if len(r.members) > 0 || !r.hadMember || r.ended {
		return evs
	}
	switch d := m.opt.EmptyTimeout; {
	case d == 0:
		return m.endLocked(r, ReasonEmpty, evs)
	case d > 0:
		r.deadline = m.opt.Now().Add(d)
	}
	return evs
}

// endLocked ends r for why: every member is let go (ConfLeft for those in),
// the mix room closed, the room deleted (ConfEnded).
func (m *Manager) endLocked(r *room, why string, evs []event.Event) []event.Event {
	for _, mb := range r.members {
		was := mb.state
		mb.state, mb.why = stateOut, ReasonEnded
		close(mb.gone)
		if was == stateIn {
			r.joined--
			evs = append(evs, r.eventLocked(event.ConfLeft, mb, ReasonEnded))
		}
	}
	r.members = nil
	r.ended = true
	if r.rec != nil {
		r.rec.stopLocked(why) // its watcher finalises the file
	}
	r.mix.Close()
	delete(m.rooms, r.spec.ID)
	m.log.Info("conference ended", "conf", r.spec.ID, "reason", why)
	return append(evs, r.eventLocked(event.ConfEnded, nil, why))
}

// removeLocked takes mb out of r.members.
func (r *room) removeLocked(mb *member) {
	for i, o := range r.members {
		if o == mb {
			r.members = append(r.members[:i], r.members[i+1:]...)
			break
		}
	}
	if mb.state == stateIn {
		r.joined--
	}
	mb.state = stateOut
}

// memberLocked returns the member of r in the room as callID, or nil.
func (r *room) memberLocked(callID string) *member {
	for _, mb := range r.members {
		if mb.callID == callID && mb.state == stateIn {
			return mb
		}
	}
	return nil
}

// infoLocked is r's snapshot.
func (r *room) infoLocked() Info {
	return Info{ID: r.spec.ID, Created: r.created, MaxMembers: r.spec.MaxMembers, Members: r.joined,
		Owner: r.spec.Owner, AutoJoin: r.spec.AutoJoin, Recording: r.recordingLocked()}
}

// eventLocked builds an event of kind about r and, when mb is set, its
// member (whose call it is about).
func (r *room) eventLocked(kind event.Kind, mb *member, reason string) event.Event {
	c := &event.Conf{ID: r.spec.ID, Members: r.joined, MaxMembers: r.spec.MaxMembers, Reason: reason}
	e := event.Event{Kind: kind, Conf: c}
	if mb != nil {
		e.CallID, c.Member, c.Muted, c.Talking = mb.callID, mb.callID, mb.muted, mb.talking
	}
	return e
}
