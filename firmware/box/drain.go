package box

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/api/admin"
)

// ErrDrain, as the cause of Run's context (context.WithCancelCause), asks
// Run to drain before it stops: new calls get 503, the calls in progress
// get the config's grace period (system.drain_seconds) to end, then the
// rest are hung up. main passes it on SIGTERM.
var ErrDrain = drainCause{}

type drainCause struct{}

func (drainCause) Error() string { return "box: stop after draining" }

// DrainState is whether the box is draining, since when, the calls it
// still has and when those are hung up (the admin API's GET drain).
type DrainState = admin.DrainState

var _ admin.Drainer = (*Box)(nil)

// drainer runs one drain at a time: its goroutine hangs the calls left up
// when the grace period ends.
type drainer struct {
	mu       sync.Mutex
	since    time.Time
	deadline time.Time
	stop     context.CancelFunc // ends the drain's goroutine; nil when not draining
	wg       sync.WaitGroup
}

// retryAfter is the Retry-After a draining box gives (503).
const retryAfter = 30 * time.Second

// Drain takes the box out of service: new INVITEs and OPTIONS probes get
// 503 (a proxy's dispatcher takes the box out), calls in progress go on.
// After grace the calls left are hung up (BYE, waiting for each 200);
// grace < 0 never does. Draining a draining box changes nothing.
func (b *Box) Drain(grace time.Duration) DrainState {
	b.drain.mu.Lock()
	if b.drain.stop == nil {
		ctx, stop := context.WithCancel(context.Background())
		b.drain.stop, b.drain.since, b.drain.deadline = stop, time.Now(), time.Time{}
		if grace >= 0 {
			b.drain.deadline = b.drain.since.Add(grace)
			b.drain.wg.Go(func() { b.hangupAfter(ctx, grace) })
		}
		b.SIP.SetDraining(true, retryAfter)
		b.Calls.SetDraining(true)
		b.log.Info("draining", "calls", len(b.Calls.Calls()), "grace", grace)
	}
	b.drain.mu.Unlock()
	return b.DrainState()
}

// Undrain puts the box back in service.
func (b *Box) Undrain() DrainState {
	b.stopDrain()
	b.SIP.SetDraining(false, 0)
	b.Calls.SetDraining(false)
	return b.DrainState()
}

// stopDrain ends the drain's goroutine, if any, and waits for it.
func (b *Box) stopDrain() {
	b.drain.mu.Lock()
	stop := b.drain.stop
	b.drain.stop, b.drain.since, b.drain.deadline = nil, time.Time{}, time.Time{}
	b.drain.mu.Unlock()
	if stop != nil {
		stop()
	}
	b.drain.wg.Wait()
}

// DrainState returns the drain's state.
func (b *Box) DrainState() DrainState {
	b.drain.mu.Lock()
	st := DrainState{Draining: b.drain.stop != nil, Since: b.drain.since, Deadline: b.drain.deadline}
	b.drain.mu.Unlock()
	st.Calls = len(b.Calls.Calls())
	return st
}

// hangupAfter hangs up the calls left when grace has passed, unless ctx
// ends first (undrain, close).
func (b *Box) hangupAfter(ctx context.Context, grace time.Duration) {
	if !b.waitCalls(ctx, grace, nil) && ctx.Err() == nil {
		b.hangupAll("drain")
	}
}

// waitCalls waits until the box has no call left (true), or d has passed,
// ctx is done or hurry is closed (false). Calls end before CallEnded is
// published, so each event is a time to count them again.
func (b *Box) waitCalls(ctx context.Context, d time.Duration, hurry <-chan struct{}) bool {
	sub := b.Bus.Subscribe(64)
	defer sub.Close()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for len(b.Calls.Calls()) > 0 {
		select {
		case <-sub.C():
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		case <-hurry:
			return false
		}
	}
	return true
}

// hangupAll hangs every call up with cause, in parallel, each waiting for
// its BYE's answer.
func (b *Box) hangupAll(cause string) {
	calls := b.Calls.Calls()
	b.log.Info("hanging up the calls left", "calls", len(calls), "cause", cause)
	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = b.Calls.Hangup(ctx, c.ID, cause)
		})
	}
	wg.Wait()
}

// drainForStop drains before a stop asked by SIGTERM: new calls refused,
// the calls left given the config's grace period (cut short when hurry is
// closed), then hung up by the caller (Calls.Close).
func (b *Box) drainForStop(hurry <-chan struct{}) {
	grace := b.Store.Current().System.DrainGrace()
	b.Drain(-1)
	if n := b.opt.Notify; n != nil {
		_ = n.Status("draining: " + time.Now().Add(grace).Format(time.TimeOnly))
	}
	if b.waitCalls(context.Background(), grace, hurry) {
		b.log.Info("drained: no call left")
	}
}

// advertise is the address to put in SDP for a peer, per the config's
// system.network.
func (b *Box) advertise(peer netip.Addr) (netip.Addr, bool) {
	return b.Store.Current().System.Network.MediaAddress(peer)
}

// advertiseSIP is the address to name in Via and Contact for a peer.
func (b *Box) advertiseSIP(peer netip.Addr) (netip.Addr, bool) {
	return b.Store.Current().System.Network.SignalingAddress(peer)
}
