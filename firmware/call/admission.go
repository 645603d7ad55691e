package call

import (
	"errors"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// Admission control: past what the box carries with good audio, new calls
// are refused (an inbound one with 503 and Retry-After) instead of
// degrading every call. Two limits, both from the config's capacity: a
// number of calls (measured on the board), and the media engine's health
// (frames its shards skipped lately).

// errShed marks a call refused by admission control (CodeBusy with it).
var errShed = errors.New("over capacity")

// lateWindow is how long skipped frames count against new calls.
const lateWindow = 10 * time.Second

// lateness follows the media engine's skipped frames over lateWindow.
type lateness struct {
	mu      sync.Mutex
	samples []skipSample // oldest first, within lateWindow (plus the one before)
}

type skipSample struct {
	at time.Time
	n  uint64
}

// recent records the engine's count at now and returns the frames skipped
// within the last lateWindow.
func (l *lateness) recent(now time.Time, total uint64) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.samples) > 1 && now.Sub(l.samples[1].at) >= lateWindow {
		l.samples = l.samples[1:]
	}
	if len(l.samples) == 0 || now.Sub(l.samples[len(l.samples)-1].at) >= time.Second {
		l.samples = append(l.samples, skipSample{at: now, n: total})
	}
	return total - l.samples[0].n
}

// shed says whether a new call must be refused with live calls up: an
// error (CodeBusy wrapping errShed) when over capacity.
func (m *Manager) shed(c config.Capacity, live int) error {
	if c.Calls > 0 && live >= c.Calls {
		return fail(CodeBusy, "", errShed, "capacity of %d calls reached", c.Calls)
	}
	if c.LateFrames > 0 && m.opt.Media != nil {
		if n := m.late.recent(time.Now(), m.opt.Media.SkippedFrames()); n >= uint64(c.LateFrames) {
			return fail(CodeBusy, "", errShed, "media fell behind: %d frames skipped in %v", n, lateWindow)
		}
	}
	return nil
}
