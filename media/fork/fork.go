package fork

import (
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// errLogEvery is how often a fork logs its send errors at most.
const errLogEvery = 30 * time.Second

// Attacher is what a fork needs from a call's stream (*stream.Stream has
// these methods): a place to attach its tap, and to take it off again.
// RemoveSink must be harmless on a stream that has closed.
type Attacher interface {
	AddSink(stream.Sink) error
	RemoveSink(stream.Sink)
}

var _ Attacher = (*stream.Stream)(nil)

// Spec says where a fork sends a call's audio.
type Spec struct {
	// In is the target of the caller's side (Frame.In: what the peer
	// sent; monitor-call's "c-rtp"). The zero value sends nothing.
	In netip.AddrPort
	// Out is the target of the box's side (Frame.Out: what the box sent
	// to the peer; monitor-call's "a-rtp"). The zero value sends nothing.
	Out netip.AddrPort
	// ID names the fork in logs (the API request's id).
	ID string
	// Call names the call in logs (its call id).
	Call string
}

// Stats are a fork's counters.
type Stats struct {
	// In and Out count the packets sent to Spec.In and Spec.Out.
	In, Out Direction
	// Dropped counts frames the tap dropped because the forker was behind;
	// the packets after such a gap carry the marker bit.
	Dropped uint64
}

// Direction counts the packets of one direction of a fork.
type Direction struct {
	// Packets and Bytes count the RTP packets sent and their bytes
	// (header and payload, as UDP payload).
	Packets, Bytes uint64
	// Errors counts packets that could not be sent: a full socket buffer,
	// an unreachable network, a refused address. They are never retried.
	Errors uint64
}

// Fork is one call's media fork, started by Forker.Start.
type Fork struct {
	fk   *Forker
	src  Attacher
	tap  *stream.Tap
	spec Spec
	log  *slog.Logger

	in, out leg

	stopping atomic.Bool // Stop has begun: the forker skips this fork
	once     sync.Once
	done     chan struct{}

	// Owned by the sender serving the fork in a tick (the forker goroutine
	// or a helper; ticks hand them on in order): when the tap last had a
	// frame, send errors not yet logged, and when they were last logged.
	last     time.Time
	unlogged uint64
	logged   time.Time
}

// Spec returns the fork's spec, with its targets as the forker uses them
// (IPv4-mapped addresses unmapped).
func (f *Fork) Spec() Spec { return f.spec }

// Done is closed when the fork has stopped: Stop, Forker.Close, a stream
// that has handed it no frame for Options.Idle, or a fault in the fork.
func (f *Fork) Done() <-chan struct{} { return f.done }

// Stats returns the fork's counters so far; they are final once Done is
// closed.
func (f *Fork) Stats() Stats {
	return Stats{In: f.in.stats(), Out: f.out.stats(), Dropped: f.tap.Dropped()}
}

// Stop detaches the fork from its stream and waits until the forker has
// stopped sending for it: no packet of the fork is sent after Stop
// returns. Frames still waiting in the tap are not sent. Stop is
// idempotent and safe to call from any goroutine.
func (f *Fork) Stop() {
	f.finish(true)
	<-f.done
}

// finish stops the fork once. wait makes it wait out a tick in progress;
// the forker goroutine passes false (it is not in a tick then).
func (f *Fork) finish(wait bool) {
	f.once.Do(func() {
		f.stopping.Store(true)
		f.src.RemoveSink(f.tap)
		f.fk.remove(f)
		if wait {
			f.fk.tickMu.Lock()
			// An empty critical section: it waits out a tick in progress.
			f.fk.tickMu.Unlock()
		}
		st := f.Stats()
		f.log.Info("media fork stopped",
			"in_packets", st.In.Packets, "out_packets", st.Out.Packets,
			"errors", st.In.Errors+st.Out.Errors, "dropped", st.Dropped)
		close(f.done)
	})
}

// count counts the outcome of one packet of n bytes to l: sent, or err.
// It runs on the sender serving the fork.
func (f *Fork) count(l *leg, n int, err error) {
	if err != nil {
		l.errors.Add(1)
		f.noteError(l, err)
		return
	}
	l.packets.Add(1)
	l.bytes.Add(uint64(n))
}

// noteError logs a send error, at most once per errLogEvery per fork.
// It runs on the sender serving the fork.
func (f *Fork) noteError(l *leg, err error) {
	f.unlogged++
	now := f.fk.clock.Now()
	if !f.logged.IsZero() && now.Sub(f.logged) < errLogEvery {
		return
	}
	f.log.Warn("media fork send failed", "to", l.to, "err", err, "errors", f.unlogged)
	f.unlogged, f.logged = 0, now
}
