package guard

import (
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxSources bounds each of the guard's maps (sources tracked,
// blocks, failure counts, account bans) unless Options.MaxSources says
// otherwise.
const DefaultMaxSources = 8192

// Verdict is what to do with a request.
type Verdict int

// The verdicts.
const (
	Pass   Verdict = iota // handle it
	Drop                  // drop it silently
	Refuse                // answer 403 Forbidden
)

// Options configures a Guard. The zero value is usable.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives the block and ban lines (rate-limited); nil discards.
	Log *slog.Logger
	// MaxSources bounds each map; 0 means DefaultMaxSources.
	MaxSources int
}

// Block is a blocked source address or a banned account.
type Block struct {
	// Source is the blocked address; invalid for an account's ban.
	Source netip.Addr
	// User is the banned account; "" for a source's block.
	User string
	// Reason says why: "invite rate", "request rate", "auth failures".
	Reason string
	// Since and Until are when the block started and when it ends.
	Since, Until time.Time
	// Dropped counts the requests and packets refused since.
	Dropped uint64
}

// source is what the guard tracks of one address.
type source struct {
	invite, all bucket
}

// failures counts failed authentications in a window.
type failures struct {
	n     int
	start time.Time
}

// Guard decides per request whether its source may be served. Its methods
// are safe for concurrent use.
type Guard struct {
	now      func() time.Time
	log      *slog.Logger
	max      int
	settings atomic.Pointer[Settings]
	gate     LogGate

	mu      sync.Mutex // guards the maps below
	sources map[netip.Addr]*source
	blocks  map[netip.Addr]*Block
	fails   map[string]*failures // by "s"+address or "u"+user
	bans    map[string]*Block    // by user
}

// New returns a Guard with the default Settings.
func New(opt Options) *Guard {
	g := &Guard{now: opt.Now, log: opt.Log, max: opt.MaxSources,
		sources: make(map[netip.Addr]*source), blocks: make(map[netip.Addr]*Block),
		fails: make(map[string]*failures), bans: make(map[string]*Block)}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	if g.max <= 0 {
		g.max = DefaultMaxSources
	}
	g.Apply(Settings{})
	return g
}

// Apply replaces the settings; blocks in force stay until they end.
func (g *Guard) Apply(s Settings) {
	s = s.withDefaults()
	g.settings.Store(&s)
}

// Settings returns the settings in force, defaults filled in.
func (g *Guard) Settings() Settings { return *g.settings.Load() }

// Request counts a request with method from src and says what to do with
// it. A source over its buckets is blocked from then on.
func (g *Guard) Request(src netip.Addr, method string) Verdict {
	s := g.settings.Load()
	src = src.Unmap()
	if s.Off || s.allowed(src) {
		return Pass
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.blockedLocked(src, now) {
		return refusal(s)
	}
	e := g.sources[src]
	if e == nil {
		g.makeRoomLocked(now, s)
		e = &source{}
		g.sources[src] = e
	}
	switch {
	case !e.all.take(now, s.RequestRate, s.RequestBurst):
		g.blockLocked(src, "request rate", now, s.BlockFor)
	case method == "INVITE" && !e.invite.take(now, s.InviteRate, s.InviteBurst):
		g.blockLocked(src, "invite rate", now, s.BlockFor)
	default:
		return Pass
	}
	return refusal(s)
}

// Blocked reports whether src is blocked now (and counts what it sent): the
// cheap check on each packet before it is parsed.
func (g *Guard) Blocked(src netip.Addr) bool {
	s := g.settings.Load()
	src = src.Unmap()
	if s.Off || s.allowed(src) {
		return false
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.blockedLocked(src, now)
}

// Refusal is the verdict for a blocked source's request: Drop or Refuse.
func (g *Guard) Refusal() Verdict { return refusal(g.settings.Load()) }

func refusal(s *Settings) Verdict {
	if s.Refuse {
		return Refuse
	}
	return Drop
}

// blockedLocked reports whether src is blocked at now, counting the
// request, and forgets an expired block.
func (g *Guard) blockedLocked(src netip.Addr, now time.Time) bool {
	b := g.blocks[src]
	if b == nil {
		return false
	}
	if !now.Before(b.Until) {
		delete(g.blocks, src)
		return false
	}
	b.Dropped++
	return true
}

// blockLocked blocks src for d, making room among the blocks if needed.
func (g *Guard) blockLocked(src netip.Addr, reason string, now time.Time, d time.Duration) {
	delete(g.sources, src)
	if _, ok := g.blocks[src]; !ok && len(g.blocks) >= g.max {
		g.evictBlockLocked(now)
	}
	g.blocks[src] = &Block{Source: src, Reason: reason, Since: now, Until: now.Add(d), Dropped: 1}
	if ok, held := g.gate.Allow(now); ok {
		g.log.Warn("SIP source blocked", "source", src.String(), "reason", reason,
			"for", d.String(), "more_blocked_unlogged", held)
	}
}

// evictBlockLocked drops the expired blocks, or else the one ending first.
func (g *Guard) evictBlockLocked(now time.Time) {
	var first *Block
	for a, b := range g.blocks {
		if !now.Before(b.Until) {
			delete(g.blocks, a)
			continue
		}
		if first == nil || b.Until.Before(first.Until) {
			first = b
		}
	}
	if len(g.blocks) >= g.max && first != nil {
		delete(g.blocks, first.Source)
	}
}

// makeRoomLocked keeps the tracked sources under the bound: first the ones
// whose buckets are full again (they carry no history), then any (map order
// is random), down to 7/8 of it. Forgetting a source only refills its
// buckets.
func (g *Guard) makeRoomLocked(now time.Time, s *Settings) {
	if len(g.sources) < g.max {
		return
	}
	for a, e := range g.sources {
		if e.all.full(now, s.RequestRate, s.RequestBurst) && e.invite.full(now, s.InviteRate, s.InviteBurst) {
			delete(g.sources, a)
		}
	}
	for a := range g.sources {
		if len(g.sources) < g.max-g.max/8 {
			break
		}
		delete(g.sources, a)
	}
}
