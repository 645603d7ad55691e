package config

import "time"

// Conference holds the box-wide rules of conference rooms.
type Conference struct {
	// IdleMinutes: a room nobody joins within it is deleted. 0 means
	// DefaultConfIdleMinutes; -1 means never.
	IdleMinutes int `json:"idle_minutes,omitempty"`
	// EmptySeconds: a room whose last member left is deleted after it.
	// 0 means at once; -1 means never (the room waits for its idle time
	// or an explicit end).
	EmptySeconds int `json:"empty_seconds,omitempty"`
}

// Limits and defaults of Conference.
const (
	DefaultConfIdleMinutes = 10
	MaxConfIdleMinutes     = 24 * 60
	MaxConfEmptySeconds    = 24 * 3600
)

// Idle is the idle deletion time (negative: never).
func (c Conference) Idle() time.Duration {
	switch {
	case c.IdleMinutes < 0:
		return -1
	case c.IdleMinutes == 0:
		return DefaultConfIdleMinutes * time.Minute
	}
	return time.Duration(c.IdleMinutes) * time.Minute
}

// Empty is the empty deletion time (0: at once; negative: never).
func (c Conference) Empty() time.Duration {
	if c.EmptySeconds < 0 {
		return -1
	}
	return time.Duration(c.EmptySeconds) * time.Second
}

// conference checks the conference rules.
func (v *validator) conference(p string, c Conference) {
	if c.IdleMinutes < -1 || c.IdleMinutes > MaxConfIdleMinutes {
		v.add(p+".idle_minutes", "%d must be -1 (never), 0 (10 minutes) or up to %d", c.IdleMinutes, MaxConfIdleMinutes)
	}
	if c.EmptySeconds < -1 || c.EmptySeconds > MaxConfEmptySeconds {
		v.add(p+".empty_seconds", "%d must be -1 (never), 0 (at once) or up to %d", c.EmptySeconds, MaxConfEmptySeconds)
	}
}
