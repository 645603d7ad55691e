package status

import (
	"log/slog"

	"github.com/ivrbox/ivrbox/hal"
)

// Trunk is the registration state of the box's register-type trunks.
type Trunk int

// The trunk states.
const (
	// TrunkNone: no trunk registers (none configured, or peer trunks only);
	// nothing to show.
	TrunkNone Trunk = iota
	// TrunkDown: a trunk should register and has not.
	TrunkDown
	// TrunkUp: the trunks are registered.
	TrunkUp
)

// String names the trunk state ("up").
func (t Trunk) String() string {
	switch t {
	case TrunkDown:
		return "down"
	case TrunkUp:
		return "up"
	}
	return "none"
}

// State is what the box is doing. The zero State is a box booting.
type State struct {
	// Ready is false while the box boots.
	Ready bool
	// Calls is the number of active calls.
	Calls int
	// Trunk is the trunks' registration.
	Trunk Trunk
	// DiskFault: a configured network disk is unreachable.
	DiskFault bool
	// Error, when not empty, is a fault that needs the admin (a subsystem
	// that failed to start).
	Error string
}

// LogValue logs the state as a group.
func (s State) LogValue() slog.Value {
	return slog.GroupValue(slog.Bool("ready", s.Ready), slog.Int("calls", s.Calls),
		slog.String("trunk", s.Trunk.String()), slog.Bool("disk_fault", s.DiskFault),
		slog.String("error", s.Error))
}

// Show returns the pattern of each LED of a group of n LEDs in state st
// (see the package documentation). LEDs past the third are off.
func Show(st State, n int) []hal.Pattern {
	out := make([]hal.Pattern, n)
	for i := range out {
		out[i] = hal.Off
	}
	switch {
	case n == 1:
		out[0] = single(st)
	case n == 2:
		out[0], out[1] = statusLED(st, true), faultLED(st)
	case n >= 3:
		out[0], out[1], out[2] = statusLED(st, false), lineLED(st), faultLED(st)
	}
	return out
}

// single is the one LED that shows everything, most urgent first.
func single(st State) hal.Pattern {
	switch {
	case st.Error != "":
		return hal.TripleBlink
	case !st.Ready:
		return hal.SlowBlink
	case st.DiskFault:
		return hal.DoubleBlink
	}
	return lineOr(st, hal.On)
}

// statusLED is the green LED; withLine folds in the line's state when no
// LED of its own shows it.
func statusLED(st State, withLine bool) hal.Pattern {
	switch {
	case !st.Ready:
		return hal.SlowBlink
	case withLine:
		return lineOr(st, hal.On)
	}
	return hal.On
}

// lineLED is the yellow LED: calls and trunk registration.
func lineLED(st State) hal.Pattern {
	switch {
	case !st.Ready:
		return hal.Off
	case st.Trunk == TrunkUp && st.Calls == 0:
		return hal.On
	}
	return lineOr(st, hal.Off)
}

// lineOr shows calls, then a trunk that is down, else idle.
func lineOr(st State, idle hal.Pattern) hal.Pattern {
	switch {
	case st.Calls > 0:
		return hal.Heartbeat
	case st.Trunk == TrunkDown:
		return hal.Flash
	}
	return idle
}

// faultLED is the red LED.
func faultLED(st State) hal.Pattern {
	switch {
	case st.Error != "":
		return hal.On
	case st.DiskFault:
		return hal.DoubleBlink
	}
	return hal.Off
}

// hold is the feedback for a button held down.
type hold int

const (
	holdNone  hold = iota
	holdWarn       // past WarnAfter: a factory reset is coming
	holdReset      // past LongAfter: the reset runs
)

// display is Show with the button feedback on top.
func display(st State, h hold, n int) []hal.Pattern {
	var all hal.Pattern
	switch h {
	case holdWarn:
		all = hal.FastBlink
	case holdReset:
		all = hal.On
	default:
		return Show(st, n)
	}
	out := make([]hal.Pattern, n)
	for i := range out {
		out[i] = all
	}
	return out
}
