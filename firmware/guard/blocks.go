package guard

import (
	"net/netip"
	"slices"
	"time"
)

// Blocks lists the blocks and bans in force, oldest first.
func (g *Guard) Blocks() []Block {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Block, 0, len(g.blocks)+len(g.bans))
	for a, b := range g.blocks {
		if !now.Before(b.Until) {
			delete(g.blocks, a)
			continue
		}
		out = append(out, *b)
	}
	for u, b := range g.bans {
		if !now.Before(b.Until) {
			delete(g.bans, u)
			continue
		}
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b Block) int { return a.Since.Compare(b.Since) })
	return out
}

// Unblock lifts src's block and forgets its history; false if it was not
// blocked.
func (g *Guard) Unblock(src netip.Addr) bool {
	src = src.Unmap()
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	b, ok := g.blocks[src]
	delete(g.blocks, src)
	delete(g.sources, src)
	delete(g.fails, "s"+src.String())
	return ok && now.Before(b.Until)
}

// Unban lifts the ban of account user and forgets its failures; false if
// it was not banned.
func (g *Guard) Unban(user string) bool {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	b, ok := g.bans[user]
	delete(g.bans, user)
	delete(g.fails, "u"+user)
	return ok && now.Before(b.Until)
}

// AuthBanned reports whether an authentication for user from src is to be
// refused without looking at it: src is blocked, or user is banned and src
// is not on the allow-list.
func (g *Guard) AuthBanned(src netip.Addr, user string) bool {
	s := g.settings.Load()
	src = src.Unmap()
	if s.Off {
		return false
	}
	now := g.now()
	allowed := s.allowed(src)
	g.mu.Lock()
	defer g.mu.Unlock()
	if !allowed && g.blockedLocked(src, now) {
		return true
	}
	b := g.bans[user]
	if b == nil || allowed {
		return false
	}
	if !now.Before(b.Until) {
		delete(g.bans, user)
		return false
	}
	b.Dropped++
	return true
}

// AuthFailed counts a failed authentication for user from src; at the
// limit the source is blocked (unless allowed) and the account banned.
func (g *Guard) AuthFailed(src netip.Addr, user string) {
	s := g.settings.Load()
	src = src.Unmap()
	if s.Off {
		return
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if !s.allowed(src) && g.countLocked("s"+src.String(), now, s) {
		g.blockLocked(src, "auth failures", now, s.AuthBanFor)
	}
	if user != "" && g.countLocked("u"+user, now, s) {
		g.banLocked(user, now, s.AuthBanFor)
	}
}

// AuthOK forgets the failures of src and user after a success.
func (g *Guard) AuthOK(src netip.Addr, user string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.fails, "s"+src.Unmap().String())
	delete(g.fails, "u"+user)
}

// countLocked counts a failure for key; true when it reaches the limit
// (the count starts again).
func (g *Guard) countLocked(key string, now time.Time, s *Settings) bool {
	f := g.fails[key]
	if f == nil || now.Sub(f.start) >= s.AuthWindow {
		if f == nil && len(g.fails) >= g.max {
			for k := range g.fails { // random victims: a count lost is a count restarted
				if len(g.fails) < g.max-g.max/8 {
					break
				}
				delete(g.fails, k)
			}
		}
		f = &failures{start: now}
		g.fails[key] = f
	}
	f.n++
	if f.n < s.AuthFailures {
		return false
	}
	delete(g.fails, key)
	return true
}

// banLocked bans user for d.
func (g *Guard) banLocked(user string, now time.Time, d time.Duration) {
	if _, ok := g.bans[user]; !ok && len(g.bans) >= g.max {
		for u, b := range g.bans {
			if !now.Before(b.Until) || len(g.bans) >= g.max {
				delete(g.bans, u)
			}
			if len(g.bans) < g.max {
				break
			}
		}
	}
	g.bans[user] = &Block{User: user, Reason: "auth failures", Since: now, Until: now.Add(d)}
	if ok, held := g.gate.Allow(now); ok {
		g.log.Warn("SIP account banned after failed authentications", "user", clip(user),
			"for", d.String(), "more_blocked_unlogged", held)
	}
}

// clip shortens outside input for the log.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
