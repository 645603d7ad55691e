package fork

import (
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// Spreading a tick over goroutines: a tick of more than perSender forks
// is split between senders, each serving its share of the forks with its
// own batch, all through the forker's one socket. A Forker has at most
// maxSenders of them, no more than GOMAXPROCS and no more than its
// MaxForks need: the default 64 forks are served by the forker goroutine
// alone; 1000 forks by 2 goroutines on a 2-core box, 4 on a 4-core one.
const (
	perSender  = 128
	maxSenders = 4
)

// sender serves a share of a tick's forks: it drains their taps, builds
// their packets into its batch and sends them. Sender 0 is the forker
// goroutine itself; the others are helper goroutines the forker goroutine
// starts and stops, each woken by kick for a tick. Between ticks a fork
// may move to another sender; the tick's hand-off orders their accesses.
type sender struct {
	fk     *Forker
	kick   chan time.Time // a helper's tick; closed to stop it
	work   []*Fork        // this tick's share of the forks
	failed []*Fork        // forks of this tick to stop
	frames [readBatch]stream.Frame
	batch  batch // packets built, not yet sent
}

// senderCount is the number of senders of a forker with opts on procs
// processors (GOMAXPROCS).
func senderCount(opts Options, procs int) int {
	if opts.senders > 0 {
		return opts.senders
	}
	return max(1, min(maxSenders, procs, (opts.MaxForks+perSender-1)/perSender))
}

// share returns how many senders serve a tick of n forks.
func (fk *Forker) share(n int) int {
	if fk.opts.senders > 0 {
		return max(1, min(len(fk.senders), n))
	}
	return max(1, min(len(fk.senders), (n+perSender-1)/perSender))
}

// help is a helper sender's goroutine: a tick each time it is kicked,
// until kick is closed.
func (s *sender) help() {
	for now := range s.kick {
		s.serveAllDone(now)
	}
}

// serveAllDone serves the tick and tells the forker goroutine it is done,
// also after a panic (logged).
func (s *sender) serveAllDone(now time.Time) {
	defer s.fk.tickWG.Done()
	defer func() {
		if r := recover(); r != nil {
			s.fk.log.Error("media fork sender panicked", "panic", r)
		}
	}()
	s.serveAll(now)
}

// serveAll serves the sender's share of the tick and sends what is left
// in its batch.
func (s *sender) serveAll(now time.Time) {
	defer s.flushSafe()
	for i, f := range s.work {
		if !s.serve(f, now) {
			s.failed = append(s.failed, f)
		}
		s.work[i] = nil
	}
	s.work = nil
}

// serve sends the frames waiting in f's tap; false means the fork is to
// stop: it panicked, or its stream has handed it no frame for Idle.
func (s *sender) serve(f *Fork, now time.Time) (keep bool) {
	defer func() {
		if r := recover(); r != nil {
			f.log.Error("media fork panicked; stopping it", "panic", r)
			keep = false
		}
	}()
	opts := &s.fk.opts
	if opts.beforeServe != nil {
		opts.beforeServe(f)
	}
	for range opts.Ring/readBatch + 2 {
		if f.stopping.Load() {
			return true
		}
		n := f.tap.Read(s.frames[:])
		if n > 0 {
			f.last = now
		}
		for i := range n {
			s.sendFrame(f, &s.frames[i])
		}
		if n < readBatch {
			break
		}
	}
	if idle := now.Sub(f.last); opts.Idle > 0 && idle >= opts.Idle {
		f.log.Warn("media fork got no audio; its stream has gone, stopping it", "idle", idle)
		return false
	}
	return true
}

// sendFrame sends one frame to the fork's targets.
func (s *sender) sendFrame(f *Fork, fr *stream.Frame) {
	if f.in.on() {
		p := fr.In[:]
		if !fr.HasIn {
			p = silent(fr.Codec)
		}
		s.sendLeg(f, &f.in, fr, p)
	}
	if f.out.on() {
		p := fr.Out[:]
		if !fr.HasOut {
			p = silent(fr.Codec)
		}
		s.sendLeg(f, &f.out, fr, p)
	}
}

// sendLeg queues payload as the leg's next packet, sending the batch when
// it is full; serveAll sends what is left at the tick's end.
func (s *sender) sendLeg(f *Fork, l *leg, fr *stream.Frame, payload []byte) {
	l.advance(fr.Index, fr.Codec)
	b := &s.batch
	n, err := l.marshal(b.next(), payload)
	if err != nil {
		f.count(l, 0, err)
		return
	}
	b.queue(f, l, n)
	if b.full() {
		s.flush()
	}
}

// flushSafe sends what is left in the batch; a panic is logged (the
// batch's packets are lost, the forks go on).
func (s *sender) flushSafe() {
	defer func() {
		if r := recover(); r != nil {
			s.fk.log.Error("media forker panicked sending a batch", "panic", r)
		}
	}()
	s.flush()
}

// flush sends the queued packets with one send (sock.send may make more
// than one system call when a target refuses a packet) and counts each
// packet's outcome to its leg and fork. The batch is empty afterwards.
func (s *sender) flush() {
	b := &s.batch
	n := b.n
	if n == 0 {
		return
	}
	b.n = 0 // first: a panic below must not send the same packets twice
	s.fk.sock.send(b, n)
	for i := range n {
		sl := &b.slot[i]
		sl.f.count(sl.l, sl.len, sl.err)
		*sl = slot{} // keeps no fork alive
	}
}
