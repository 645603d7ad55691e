package hal

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Step is one phase of a [Pattern]: the LED is On (or off) For a while.
type Step struct {
	On  bool
	For time.Duration
}

// Pattern is a named, endlessly repeated sequence of steps. A pattern of
// one step is steady (its duration is ignored). The zero Pattern is [Off].
// Patterns are values; their steps cannot be changed after creation.
type Pattern struct {
	name  string
	steps []Step
}

// The predefined patterns. Their meanings are firmware/status's business;
// docs/BOARD.md has the table.
var (
	// Off keeps the LED dark.
	Off = Pattern{name: "off", steps: []Step{{On: false}}}
	// On keeps the LED lit.
	On = Pattern{name: "on", steps: []Step{{On: true}}}
	// SlowBlink is 500 ms on, 500 ms off (1 Hz).
	SlowBlink = Pattern{name: "slow-blink", steps: []Step{{true, 500 * ms}, {false, 500 * ms}}}
	// FastBlink is 100 ms on, 100 ms off (5 Hz).
	FastBlink = Pattern{name: "fast-blink", steps: []Step{{true, 100 * ms}, {false, 100 * ms}}}
	// Heartbeat is two short pulses a second, like a beating heart.
	Heartbeat = Pattern{name: "heartbeat", steps: []Step{
		{true, 100 * ms}, {false, 100 * ms}, {true, 100 * ms}, {false, 700 * ms}}}
	// DoubleBlink is two 200 ms blinks every 2 s.
	DoubleBlink = Pattern{name: "double-blink", steps: []Step{
		{true, 200 * ms}, {false, 200 * ms}, {true, 200 * ms}, {false, 1400 * ms}}}
	// TripleBlink is three 200 ms blinks every 2 s.
	TripleBlink = Pattern{name: "triple-blink", steps: []Step{
		{true, 200 * ms}, {false, 200 * ms}, {true, 200 * ms}, {false, 200 * ms},
		{true, 200 * ms}, {false, 1000 * ms}}}
	// Flash is a 100 ms wink every 2 s.
	Flash = Pattern{name: "flash", steps: []Step{{true, 100 * ms}, {false, 1900 * ms}}}
)

const ms = time.Millisecond

// minStep is the shortest step NewPattern accepts: faster is invisible and
// would only burn CPU.
const minStep = 10 * ms

// errPattern reports an invalid pattern definition.
var errPattern = errors.New("hal: invalid pattern")

// Patterns lists the predefined patterns.
func Patterns() []Pattern {
	return []Pattern{Off, On, SlowBlink, FastBlink, Heartbeat, DoubleBlink, TripleBlink, Flash}
}

// PatternByName returns the predefined pattern called name.
func PatternByName(name string) (Pattern, bool) {
	for _, p := range Patterns() {
		if p.name == name {
			return p, true
		}
	}
	return Pattern{}, false
}

// NewPattern makes a custom pattern. With one step it is steady; with more,
// every step must last at least 10 ms.
func NewPattern(name string, steps ...Step) (Pattern, error) {
	if name == "" || len(steps) == 0 {
		return Pattern{}, fmt.Errorf("%w: %q needs a name and at least one step", errPattern, name)
	}
	if len(steps) > 1 {
		for i, s := range steps {
			if s.For < minStep {
				return Pattern{}, fmt.Errorf("%w: %q step %d lasts %v (minimum %v)", errPattern, name, i, s.For, minStep)
			}
		}
	}
	return Pattern{name: name, steps: slices.Clone(steps)}, nil
}

// Name is the pattern's name ("heartbeat"); the zero Pattern is "off".
func (p Pattern) Name() string {
	if p.name == "" {
		return Off.name
	}
	return p.name
}

// Steps returns a copy of the pattern's steps.
func (p Pattern) Steps() []Step {
	if len(p.steps) == 0 {
		return slices.Clone(Off.steps)
	}
	return slices.Clone(p.steps)
}

// Steady reports whether the pattern never changes the LED's level.
func (p Pattern) Steady() bool { return len(p.steps) <= 1 }

// Period is the length of one cycle; 0 for steady patterns.
func (p Pattern) Period() time.Duration {
	if p.Steady() {
		return 0
	}
	var d time.Duration
	for _, s := range p.steps {
		d += s.For
	}
	return d
}

// Equal reports whether p and q have the same name and steps.
func (p Pattern) Equal(q Pattern) bool {
	return p.Name() == q.Name() && slices.Equal(p.norm(), q.norm())
}

// norm returns the steps, treating the zero Pattern as Off.
func (p Pattern) norm() []Step {
	if len(p.steps) == 0 {
		return Off.steps
	}
	return p.steps
}

// String is the pattern's name.
func (p Pattern) String() string { return p.Name() }

// step returns step i, treating the zero Pattern as Off.
func (p Pattern) step(i int) Step {
	st := p.norm()
	return st[i%len(st)]
}
