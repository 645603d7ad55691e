package config

import (
	"slices"
	"time"
)

// Effective values for zero fields. Code that runs a config reads these
// through the accessor methods below, never the raw fields.
const (
	DefaultName         = "ivrbox" // System.Name
	DefaultMaxCalls     = 4000     // System.MaxCalls
	DefaultRepeat       = 1        // IVR.Repeat
	DefaultDigitTimeout = 3        // IVR.DigitTimeout, seconds
	DefaultMinLen       = 1        // Collect.MinLen
	DefaultMaxLen       = 32       // Collect.MaxLen
	DefaultTerminator   = "#"      // Collect.Terminator
)

// DisplayName is the box's name: Name, or "ivrbox" when empty.
func (s System) DisplayName() string {
	if s.Name == "" {
		return DefaultName
	}
	return s.Name
}

// DefaultServiceNumber is System.ServiceNumber's zero-value meaning.
const DefaultServiceNumber = "6599"

// Service is the service number: ServiceNumber, or 6599 when empty.
func (s System) Service() string {
	if s.ServiceNumber == "" {
		return DefaultServiceNumber
	}
	return s.ServiceNumber
}

// CallLimit is the number of simultaneous calls accepted: MaxCalls, or 4000
// when zero.
func (s System) CallLimit() int {
	if s.MaxCalls <= 0 {
		return DefaultMaxCalls
	}
	return s.MaxCalls
}

// DisplayName is the IVR's label: Name, or Number when empty.
func (i IVR) DisplayName() string {
	if i.Name == "" {
		return i.Number
	}
	return i.Name
}

// RingTime is how long to send 180 Ringing before answering (0: at once).
func (i IVR) RingTime() time.Duration {
	return seconds(i.RingSeconds)
}

// Rounds is how many times the prompts and wait are played before the
// timeout action: Repeat, or 1 when zero.
func (i IVR) Rounds() int {
	if i.Repeat <= 0 {
		return DefaultRepeat
	}
	return i.Repeat
}

// DigitWait is TIMEOUT(digit), the wait for the next key once a key has been
// pressed: DigitTimeout seconds, or 3 s when zero.
func (i IVR) DigitWait() time.Duration {
	if i.DigitTimeout <= 0 {
		return DefaultDigitTimeout * time.Second
	}
	return seconds(i.DigitTimeout)
}

// FirstKeyWait is WaitExten, the silence after each round's prompts during
// which a first key is awaited: WaitSeconds (0: none).
func (i IVR) FirstKeyWait() time.Duration {
	return seconds(i.WaitSeconds)
}

// TimeoutAction is what runs after the last round without a key: Timeout,
// or hang up when Timeout is zero.
func (i IVR) TimeoutAction() Action {
	if i.Timeout.Type == ActNone {
		return Action{Type: ActHangup}
	}
	return i.Timeout
}

// InvalidAction is what runs when the keys match nothing: Invalid, or replay
// this IVR when Invalid is zero.
func (i IVR) InvalidAction() Action {
	if i.Invalid.Type == ActNone {
		return Action{Type: ActRepeat}
	}
	return i.Invalid
}

// Min is the fewest digits accepted: MinLen, or 1 when zero.
func (c Collect) Min() int {
	if c.MinLen <= 0 {
		return DefaultMinLen
	}
	return c.MinLen
}

// Max is the most digits accepted: MaxLen, or 32 when zero.
func (c Collect) Max() int {
	if c.MaxLen <= 0 {
		return DefaultMaxLen
	}
	return c.MaxLen
}

// Term is the key that ends the string: Terminator, or "#" when empty.
func (c Collect) Term() string {
	if c.Terminator == "" {
		return DefaultTerminator
	}
	return c.Terminator
}

// AfterAction is what runs when the hold prompts end and no API command moved
// the call: After, or replay this IVR when After is zero.
func (c Collect) AfterAction() Action {
	if c.After.Type == ActNone {
		return Action{Type: ActRepeat}
	}
	return c.After
}

// IVR returns the IVR answering on number. The result shares its slices and
// maps with c: treat it as read-only, or Clone c first.
func (c *Config) IVR(number string) (IVR, bool) {
	for _, i := range c.IVRs {
		if i.Number == number {
			return i, true
		}
	}
	return IVR{}, false
}

// Clone returns a deep copy of c: changing the copy's slices, maps, Collect,
// Pins or step settings (Next, Fallback...) never changes c.
func (c *Config) Clone() Config {
	out := *c
	if c.System.Pins != nil {
		pins := c.System.Pins.Clone()
		out.System.Pins = &pins
	}
	out.System.Network.LocalNets = slices.Clone(c.System.Network.LocalNets)
	out.Disks = slices.Clone(c.Disks)
	out.System.Guard.Allow = slices.Clone(c.System.Guard.Allow)
	if c.Cloud.Tokens != nil {
		out.Cloud.Tokens = make([]CloudToken, len(c.Cloud.Tokens))
		for n, t := range c.Cloud.Tokens {
			t.APIs = slices.Clone(t.APIs)
			out.Cloud.Tokens[n] = t
		}
	}
	out.Trunks = slices.Clone(c.Trunks)
	out.InboundRoutes = slices.Clone(c.InboundRoutes)
	if c.Accounts != nil {
		out.Accounts = make([]Account, len(c.Accounts))
		for n, a := range c.Accounts {
			a.OutboundRoutes = slices.Clone(a.OutboundRoutes)
			out.Accounts[n] = a
		}
	}
	if c.OutboundRoutes != nil {
		out.OutboundRoutes = make([]OutboundRoute, len(c.OutboundRoutes))
		for n, r := range c.OutboundRoutes {
			r.Patterns = slices.Clone(r.Patterns)
			r.Trunks = slices.Clone(r.Trunks)
			out.OutboundRoutes[n] = r
		}
	}
	if c.IVRs != nil {
		out.IVRs = make([]IVR, len(c.IVRs))
		for n, i := range c.IVRs {
			out.IVRs[n] = i.clone()
		}
	}
	return out
}

func (i IVR) clone() IVR {
	i.Prompts = slices.Clone(i.Prompts)
	if i.Keys != nil {
		keys := make(map[string]Action, len(i.Keys))
		for k, a := range i.Keys {
			keys[k] = a.clone()
		}
		i.Keys = keys
	}
	if i.Collect != nil {
		col := *i.Collect
		col.HoldPrompts = slices.Clone(col.HoldPrompts)
		col.After = col.After.clone()
		i.Collect = &col
	}
	i.Timeout, i.Invalid = i.Timeout.clone(), i.Invalid.clone()
	if i.Cloud != nil {
		cl := *i.Cloud
		cl.Hold = slices.Clone(cl.Hold)
		cl.Next, cl.Fallback = cl.Next.clone(), cl.Fallback.clone()
		i.Cloud = &cl
	}
	if i.App != nil {
		app := *i.App
		i.App = &app
	}
	return i
}

// clone deep-copies an action's step settings, its Next chain and its
// API-control step's Fallback.
func (a Action) clone() Action {
	if a.API != nil {
		s := *a.API
		if s.Fallback != nil {
			f := s.Fallback.clone()
			s.Fallback = &f
		}
		a.API = &s
	}
	if a.Record != nil {
		s := *a.Record
		a.Record = &s
	}
	if a.Next != nil {
		n := a.Next.clone()
		a.Next = &n
	}
	return a
}

func seconds(n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}
