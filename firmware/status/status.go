package status

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/hal"
)

// Options configures New. Zero values are the documented defaults.
type Options struct {
	// Groups are the LED groups (board.Hardware.Groups); each shows the
	// whole state by itself, mapped by its size: 1 LED (status), 2 (status,
	// fault) or 3 (status, line, fault). Empty: no LEDs.
	Groups [][]hal.LED
	// Buttons are watched for short presses and long holds.
	Buttons []hal.Button
	// Clock times blinking and holds; nil means the system clock.
	Clock hal.Clock
	// Log receives the short-press report and the reset messages; nil
	// discards.
	Log *slog.Logger
	// Addrs lists the box's addresses for the short-press report; nil
	// means net.InterfaceAddrs.
	Addrs func() ([]net.Addr, error)
	// OnShortPress, when set, is called after a short press is logged.
	OnShortPress func(ctx context.Context, st State)
	// OnFactoryReset is called when a button has been held for LongAfter.
	// The LEDs are all on while it runs, and stay so after it succeeds (the
	// owner restarts the box); an error is logged and the LEDs go back to the
	// state. nil: a long hold only logs a warning.
	OnFactoryReset func(ctx context.Context) error
	// Debounce, WarnAfter and LongAfter tune the button (hal defaults:
	// 30 ms, 3 s, 10 s).
	Debounce, WarnAfter, LongAfter time.Duration

	// buttonClock, in tests, times the buttons apart from the LEDs; nil
	// means Clock.
	buttonClock hal.Clock
}

// Status drives the LEDs and watches the buttons. Its methods are safe for
// concurrent use. Callbacks run on goroutines of their own, with a context
// that Close cancels; Close waits for them, so they must not call Close
// (signal the owner instead).
type Status struct {
	opt      Options
	log      *slog.Logger
	blinkers [][]*hal.Blinker
	watchers []*hal.Watcher
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup // callbacks
	once     sync.Once

	mu     sync.Mutex // guards st, hold, shown, closed
	st     State
	hold   hold
	shown  [][]hal.Pattern
	closed bool
}

// New starts showing the booting state and watching the buttons.
func New(opt Options) *Status {
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Addrs == nil {
		opt.Addrs = net.InterfaceAddrs
	}
	s := &Status{opt: opt, log: opt.Log}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	for _, g := range opt.Groups {
		bs := make([]*hal.Blinker, len(g))
		for i, led := range g {
			bs[i] = hal.NewBlinker(led, hal.BlinkerOptions{Clock: opt.Clock, Log: opt.Log})
		}
		s.blinkers = append(s.blinkers, bs)
	}
	s.mu.Lock()
	s.applyLocked()
	s.mu.Unlock()
	if opt.buttonClock == nil {
		opt.buttonClock = opt.Clock
	}
	for _, b := range opt.Buttons {
		s.watchers = append(s.watchers, hal.NewWatcher(b, hal.WatcherOptions{
			Debounce: opt.Debounce, WarnAfter: opt.WarnAfter, LongAfter: opt.LongAfter,
			Clock: opt.buttonClock, Log: opt.Log, On: s.gesture}))
	}
	return s
}

// SetBooting shows the box as booting.
func (s *Status) SetBooting() { s.change(func(st *State) { st.Ready = false }) }

// SetReady shows the box as up.
func (s *Status) SetReady() { s.change(func(st *State) { st.Ready = true }) }

// SetCalls sets the number of active calls.
func (s *Status) SetCalls(n int) { s.change(func(st *State) { st.Calls = max(n, 0) }) }

// SetTrunk sets the trunks' registration state.
func (s *Status) SetTrunk(t Trunk) { s.change(func(st *State) { st.Trunk = t }) }

// SetDiskFault sets whether a network disk is unreachable.
func (s *Status) SetDiskFault(fault bool) { s.change(func(st *State) { st.DiskFault = fault }) }

// SetError shows err as a fault needing the admin; nil clears it.
func (s *Status) SetError(err error) {
	s.change(func(st *State) {
		st.Error = ""
		if err != nil {
			st.Error = err.Error()
		}
	})
}

// Update replaces the whole state.
func (s *Status) Update(st State) { s.change(func(cur *State) { *cur = st }) }

// State returns the current state.
func (s *Status) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// LEDs reports what every LED shows, group after group, for the admin API
// and the dashboard.
func (s *Status) LEDs() []hal.LEDState {
	var out []hal.LEDState
	for _, g := range s.blinkers {
		for _, b := range g {
			st := b.State()
			st.Pattern = b.Pattern().Name() // what is asked, even if not started yet
			out = append(out, st)
		}
	}
	return out
}

// Close stops watching the buttons, cancels and waits for running
// callbacks, and switches the LEDs off. It is idempotent. It does not close
// the LEDs and buttons themselves: their board does.
func (s *Status) Close() error {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		for _, w := range s.watchers {
			_ = w.Close()
		}
		s.cancel()
		s.wg.Wait()
		for _, g := range s.blinkers {
			_ = hal.CloseAll(g)
		}
	})
	return nil
}

// change edits the state and shows the result.
func (s *Status) change(edit func(*State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.st
	edit(&s.st)
	if s.st != before {
		s.log.Debug("box state", "state", s.st)
	}
	s.applyLocked()
}

// applyLocked sets every LED's pattern for the state and hold.
func (s *Status) applyLocked() {
	if s.closed {
		return
	}
	shown := make([][]hal.Pattern, len(s.blinkers))
	for i, g := range s.blinkers {
		shown[i] = display(s.st, s.hold, len(g))
		for j, b := range g {
			b.Set(shown[i][j])
		}
	}
	if !slices.EqualFunc(shown, s.shown, func(a, b []hal.Pattern) bool {
		return slices.EqualFunc(a, b, hal.Pattern.Equal)
	}) {
		s.shown = shown
		s.log.Debug("leds", "patterns", shown)
	}
}

// setHold changes the button feedback.
func (s *Status) setHold(h hold) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = h
	s.applyLocked()
}

// gesture handles a button event, on the watcher's goroutine.
func (s *Status) gesture(e hal.Event) {
	switch e.Gesture {
	case hal.Short:
		s.spawn(s.shortPress)
	case hal.Warn:
		s.log.Info("button held: keep holding for a factory reset, let go to cancel",
			"button", e.Button, "reset_in", s.longAfter()-e.Held)
		s.setHold(holdWarn)
	case hal.Cancel:
		s.log.Info("factory reset cancelled", "button", e.Button, "held", e.Held)
		s.setHold(holdNone)
	case hal.Long:
		s.setHold(holdReset)
		s.spawn(s.factoryReset)
	}
}

func (s *Status) longAfter() time.Duration {
	if s.opt.LongAfter > 0 {
		return s.opt.LongAfter
	}
	return hal.DefaultLongAfter
}

// spawn runs f on a goroutine that Close waits for; a panic is logged.
func (s *Status) spawn(f func(ctx context.Context)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("button action panicked", "panic", r)
			}
		}()
		f(s.ctx)
	}()
}

// shortPress logs where the box is and how it is.
func (s *Status) shortPress(ctx context.Context) {
	st := s.State()
	s.log.Info("button: status", "state", st, "addrs", s.addrs())
	if s.opt.OnShortPress != nil {
		s.opt.OnShortPress(ctx, st)
	}
}

// factoryReset runs OnFactoryReset; on failure the LEDs return to the state.
func (s *Status) factoryReset(ctx context.Context) {
	if s.opt.OnFactoryReset == nil {
		s.log.Warn("button: factory reset requested, but this box has no reset handler")
		s.setHold(holdNone)
		return
	}
	s.log.Warn("button: factory reset")
	if err := s.opt.OnFactoryReset(ctx); err != nil {
		s.log.Error("factory reset failed", "err", err)
		s.setHold(holdNone)
	}
}

// addrs lists the box's unicast addresses, loopback and IPv6 link-local
// left out, for a person reading the log.
func (s *Status) addrs() []string {
	as, err := s.opt.Addrs()
	if err != nil {
		s.log.Warn("listing addresses", "err", err)
	}
	var out []string
	for _, a := range as {
		p, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		ip := p.Addr()
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() && ip.Is6() || ip.IsUnspecified() {
			continue
		}
		out = append(out, ip.String())
	}
	return out
}
