package conf

import (
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// WatchInterval is how often the watcher looks at who talks and which
// rooms are due for deletion (so a timeout is late by at most this much).
const WatchInterval = 200 * time.Millisecond

// watch is the manager's one goroutine: while rooms exist it ticks every
// WatchInterval, publishing talking changes and deleting rooms whose idle
// or empty time ran out. It never runs on the mixer's tick.
func (m *Manager) watch() {
	defer close(m.done)
	var t *time.Ticker
	var tick <-chan time.Time
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		select {
		case <-m.stop:
			return
		case <-m.wake:
		case <-tick:
			if m.sweep() {
				continue
			}
		}
		switch {
		case m.live() && tick == nil:
			t = time.NewTicker(WatchInterval)
			tick = t.C
		case !m.live() && tick != nil:
			t.Stop()
			t, tick = nil, nil
		}
	}
}

// live reports whether any room exists.
func (m *Manager) live() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rooms) > 0
}

// sweep does one watch: it publishes ConfTalking for members whose talking
// changed (muted members too: they can be told they talk unheard) and ends the rooms due (idle, empty). It reports whether rooms
// remain.
func (m *Manager) sweep() bool {
	m.pub.Lock()
	defer m.pub.Unlock()
	m.mu.Lock()
	now := m.opt.Now()
	var evs []event.Event
	for _, r := range m.rooms {
		if len(r.members) == 0 && !r.deadline.IsZero() && !now.Before(r.deadline) {
			why := ReasonIdle
			if r.hadMember {
				why = ReasonEmpty
			}
			evs = m.endLocked(r, why, evs)
			continue
		}
		for _, mb := range r.members {
			if mb.state != stateIn {
				continue
			}
			if talking := mb.mix.Talking(); talking != mb.talking {
				mb.talking = talking
				evs = append(evs, r.eventLocked(event.ConfTalking, mb, ""))
			}
		}
	}
	left := len(m.rooms) > 0
	m.mu.Unlock()
	m.publish(evs)
	return left
}
