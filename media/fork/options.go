package fork

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"
)

// Defaults used when Options leave a field zero.
const (
	// DefaultMaxForks is the most forks a box runs at once.
	DefaultMaxForks = 64
	// DefaultIdle is how long a fork runs without frames from its stream
	// before it stops by itself.
	DefaultIdle = 10 * time.Second
	// DefaultRing is the number of frames (20 ms each) a fork's tap holds
	// while the forker is late: half a second.
	DefaultRing = 25
)

// Options configure a Forker. The zero value works: up to DefaultMaxForks
// forks, a socket on any address and port, taps of DefaultRing frames,
// forks stopped after DefaultIdle without frames, no logging, real time.
type Options struct {
	// MaxForks is the most forks running at once; Start returns ErrLimit
	// beyond it. Zero means DefaultMaxForks.
	MaxForks int
	// Local is the address and port the sending socket binds. A zero
	// address means any: a dual-stack socket where the system has IPv6
	// (it reaches IPv4 and IPv6 targets), else IPv4. An IPv4 address
	// reaches IPv4 targets only. A zero port means any free port.
	Local netip.AddrPort
	// Broadcast lets the socket send to broadcast addresses. Off, sends to
	// the limited broadcast address and to the directed broadcast address
	// of a LAN (192.168.1.255 on a /24, which no Policy can recognise)
	// fail and are counted as errors. (Linux; elsewhere the socket keeps
	// Go's default, which allows broadcast.)
	Broadcast bool
	// Ring is the number of frames each fork's tap holds; frames that
	// arrive while it is full are dropped and counted (Stats.Dropped).
	// Zero means DefaultRing.
	Ring int
	// Idle stops a fork whose stream has handed it no frame for this long:
	// a running stream hands its sinks a frame every 20 ms (on hold too),
	// so a silent tap means the stream has closed and the caller forgot
	// to Stop the fork. Zero means DefaultIdle; negative means never.
	Idle time.Duration
	// Clock is the time source and the 20 ms ticker; nil means the real
	// clock. Tests inject a fake to step ticks by hand. A stream.Clock is
	// one.
	Clock Clock
	// Log receives the forker's diagnostics; nil discards them.
	Log *slog.Logger

	// Test hooks: afterTick, if set, is called after each tick;
	// beforeServe before each fork is served in a tick; senders, if set,
	// is the number of senders, and every tick is split between them.
	afterTick   func()
	beforeServe func(*Fork)
	senders     int
}

// Clock is the forker's time source.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// NewTicker returns a channel that delivers the time every d, and a
	// function that stops it.
	NewTicker(d time.Duration) (<-chan time.Time, func())
}

// realClock is the Clock of the real world.
type realClock struct{}

// Now returns time.Now().
func (realClock) Now() time.Time { return time.Now() }

// NewTicker wraps time.NewTicker.
func (realClock) NewTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// withDefaults validates o and fills in its zero values.
func (o Options) withDefaults() (Options, error) {
	switch {
	case o.MaxForks < 0:
		return o, fmt.Errorf("%w: MaxForks %d", ErrOptions, o.MaxForks)
	case o.Ring < 0:
		return o, fmt.Errorf("%w: Ring %d", ErrOptions, o.Ring)
	case o.Local.Addr().Zone() != "":
		return o, fmt.Errorf("%w: Local %v: zoned addresses are not supported", ErrOptions, o.Local)
	}
	if o.MaxForks == 0 {
		o.MaxForks = DefaultMaxForks
	}
	if o.Idle == 0 {
		o.Idle = DefaultIdle
	}
	if o.Ring == 0 {
		o.Ring = DefaultRing
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// network is the ListenUDP network for a local address.
func network(a netip.Addr) string {
	switch {
	case a.Is4():
		return "udp4"
	case a.Is6():
		return "udp6"
	}
	return "udp"
}
