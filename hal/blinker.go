package hal

import (
	"log/slog"
	"sync"
	"time"
)

// BlinkerOptions configures a [Blinker]. The zero value is ready to use.
type BlinkerOptions struct {
	// Clock times the steps; nil means the system clock.
	Clock Clock
	// Log receives LED write failures; nil discards.
	Log *slog.Logger
}

// Blinker drives one LED through a [Pattern]. One goroutine, started by
// NewBlinker and stopped by Close, is the only writer of the LED, so
// patterns never fight. Set never blocks.
type Blinker struct {
	led   LED
	clock Clock
	log   *slog.Logger
	kick  chan struct{} // a new pattern is waiting in want
	done  chan struct{} // closed by Close
	wg    sync.WaitGroup
	once  sync.Once

	mu      sync.Mutex // guards the fields below
	want    Pattern    // the pattern asked for by Set
	shown   Pattern    // the pattern the goroutine runs
	on      bool       // the level last written
	lastErr error      // the last write's error, logged once
}

// NewBlinker starts driving led; it starts with [Off].
func NewBlinker(led LED, opt BlinkerOptions) *Blinker {
	b := &Blinker{
		led:   led,
		clock: clockOr(opt.Clock),
		log:   opt.Log,
		kick:  make(chan struct{}, 1),
		done:  make(chan struct{}),
		want:  Off,
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.kick <- struct{}{}
	b.wg.Add(1)
	go b.run()
	return b
}

// Set switches to pattern p. Setting the pattern that is already running
// does not restart it. After Close, Set does nothing.
func (b *Blinker) Set(p Pattern) {
	b.mu.Lock()
	same := b.want.Equal(p)
	b.want = p
	b.mu.Unlock()
	if same {
		return // nothing for the goroutine to do: do not wake it
	}
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// Pattern is the pattern most recently asked for.
func (b *Blinker) Pattern() Pattern {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.want
}

// State is what the LED shows now.
func (b *Blinker) State() LEDState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return LEDState{Name: b.led.Name(), On: b.on, Pattern: b.shown.Name()}
}

// Close stops the goroutine and switches the LED off. It is idempotent and
// returns once the goroutine has ended. It does not close the LED itself:
// the LED's driver owns it.
func (b *Blinker) Close() error {
	b.once.Do(func() {
		close(b.done)
		b.wg.Wait()
	})
	return nil
}

// run is the owner goroutine: it follows the wanted pattern step by step.
// Step deadlines follow each other exactly (start+For), so a pattern does not
// drift; after falling more than a cycle behind it restarts from now.
func (b *Blinker) run() {
	defer b.wg.Done()
	var (
		cur     Pattern
		idx     int
		started bool
		start   time.Time // when step idx began
		timer   Timer
	)
	stop := func() {
		if timer != nil {
			timer.Stop()
			timer = nil
		}
	}
	defer func() {
		stop()
		b.show(Off)
		b.write(false, true)
	}()
	for {
		var tick <-chan time.Time
		if timer != nil {
			tick = timer.C()
		}
		first := false
		select {
		case <-b.done:
			return
		case <-b.kick:
			p := b.Pattern()
			if started && p.Equal(cur) {
				continue
			}
			stop()
			cur, idx, started, first = p, 0, true, true
			start = b.clock.Now()
			b.show(p)
		case <-tick:
			timer = nil
			start = start.Add(cur.step(idx).For)
			idx = (idx + 1) % len(cur.norm())
		}
		s := cur.step(idx)
		b.write(s.On, first)
		if cur.Steady() {
			continue
		}
		now := b.clock.Now()
		if now.Sub(start) > cur.Period() {
			start = now
		}
		timer = b.clock.NewTimer(start.Add(s.For).Sub(now))
	}
}

// show records p as the running pattern and tells a PatternAware LED.
func (b *Blinker) show(p Pattern) {
	b.mu.Lock()
	b.shown = p
	b.mu.Unlock()
	if pa, ok := b.led.(PatternAware); ok {
		pa.SetPattern(p.Name())
	}
}

// write sets the LED unless it already shows on (force writes anyway). A
// failure is logged once, and its end once.
func (b *Blinker) write(on, force bool) {
	b.mu.Lock()
	same := b.on == on && b.lastErr == nil
	b.mu.Unlock()
	if same && !force {
		return
	}
	err := b.led.Set(on)
	b.mu.Lock()
	prev := b.lastErr
	b.lastErr = err
	if err == nil {
		b.on = on
	}
	b.mu.Unlock()
	switch {
	case err != nil && prev == nil:
		b.log.Warn("led write failed", "led", b.led.Name(), "err", err)
	case err == nil && prev != nil:
		b.log.Info("led write works again", "led", b.led.Name())
	}
}
