package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/dtmf"
)

// Buffer sizes.
const (
	maxPacket      = 2048 // largest datagram read; longer ones are invalid
	maxDigits      = 16   // digits SendDigit can queue
	digitGap       = 2    // frames of audio between two sent digits
	eventQuiet     = 50   // ticks (1 s) of no in-band detection after an event
	readsPerTick   = 64   // most packets drained per socket per tick
	readsPerReady  = 1    // packets read per readiness report (see drainRTP)
	rtcpEvery      = 10   // ticks between RTCP drains
	maxKeysPerTick = 8    // digits reported per tick; more are dropped
)

// Stream is one call's RTP media. Its methods are safe for concurrent use;
// the media work happens on its engine's shard goroutine.
type Stream struct {
	e       *Engine
	sh      *shard
	log     *slog.Logger
	port    int
	onDigit func(key byte, source string)
	inband  atomic.Bool // run the in-band detector on received audio

	closed    atomic.Bool
	closeOnce sync.Once
	stats     counters
	quality   quality // received RTP's loss and jitter (quality.go)

	// polled and rtcpPolled report that the RTP and RTCP sockets are
	// registered with the shard's poller, so they are read when readable
	// rather than on the tick. They are set by shard.add before the shard
	// can see the stream, and never change after.
	polled, rtcpPolled bool
	slot               int32 // the poller slot; -1: none; guarded by sh.mu

	// io is held by the shard while it reads and writes the sockets and
	// calls the sinks and the source, by Close to close the sockets (so a
	// descriptor is never closed, and perhaps reused, under a tick or a
	// readiness report: the shard checks closed with io held), and
	// briefly by RemoveSink and SetSource to wait for a tick that may still
	// use what they replaced. OnDigit never runs with it held.
	io        sync.Mutex
	rtp, rtcp *sock

	// sinks is the immutable list of attached sinks, replaced whole (copy
	// on write) with sinkMu held, so a tick reads it without a lock.
	sinkMu sync.Mutex
	sinks  atomic.Pointer[[]sinkEntry]
	// source is what the stream sends instead of its playback; nil: none.
	source atomic.Pointer[sourceBox]

	// mu guards the control state below, shared between the API and the
	// shard. The shard holds it only to copy settings and fill one frame.
	mu      sync.Mutex
	remote  netip.AddrPort
	codec   Codec
	dtmfPT  uint8
	sending bool
	relearn bool           // the remote changed: learn the source again
	signal  netip.Addr     // the signalling's IP (SetSignal)
	learned netip.AddrPort // copy of the learned source, for Stats
	play    playback
	digits  digitQueue
	// secure is the SRTP state SetCrypto made (nil: plain RTP); secureSet
	// tells the shard to take it at its next sync.
	secure    *secure
	secureSet bool

	// Owned by the shard goroutine (set up in newStream).
	media media
}

// candidate is an address sending valid packets while the source is being
// learned.
type candidate struct {
	addr  netip.AddrPort
	seq   uint16 // its last sequence number
	count int    // its valid packets with consecutive sequence numbers
}

// media is the per-stream state only the shard goroutine touches.
type media struct {
	keys  [maxKeysPerTick]heardKey // digits heard this tick, reported after it
	nkeys int
	// in, out and pcm are the shard's scratch buffers (scratch.go), shared
	// by its streams: only the shard goroutine uses them, one stream at a
	// time, and nothing keeps a slice of them past the packet.
	in     []byte
	out    []byte
	event  [dtmf.EventSize]byte
	pcm    []int16
	hdr    rtp.Header // reused for every received packet
	hdrOut rtp.Header // reused for every sent packet

	// tap is the frame handed to the sinks; its Out is also the buffer the
	// audio of each sent packet is made in.
	tap     Frame
	index   uint64 // number of the next frame on the stream's clock
	playout ring   // received audio for tap.In; fed only while tapping
	tapping bool   // sinks are attached this tick

	// Settings copied from the control state at the start of each tick.
	codec  Codec
	dtmfPT uint8
	secure *secure // SRTP; nil: plain RTP

	source netip.AddrPort // learned source; invalid while learning
	remote netip.AddrPort // copy of the SDP address, which may take the source over
	cands  [learnSlots]candidate
	nextC  int // slot the next new candidate replaces
	// Where a source may be learned from (learn.go), and its SSRC.
	signal   netip.Addr
	learnAny bool
	lock     ssrcLock

	seq       uint16
	ts        uint32 // RTP timestamp of the next frame
	marker    bool   // set the marker bit on the next audio packet
	sender    dtmf.Sender
	eventTS   uint32 // RTP timestamp of the digit being sent
	gap       int    // frames to wait before the next queued digit
	receiver  dtmf.Receiver
	detector  *dtmf.Detector // made on the first packet that needs it (2 KB most calls never use)
	ticks     uint64
	lastEvent uint64 // tick of the last telephone-event packet, 0 if none
	sendErr   bool   // a send error has been logged
}

func newStream(e *Engine, sh *shard, cfg Config, rtpSock, rtcpSock *sock, port int) *Stream {
	s := &Stream{
		e: e, sh: sh, port: port, rtp: rtpSock, rtcp: rtcpSock, slot: -1,
		log:     e.log.With("rtp_port", port),
		onDigit: cfg.OnDigit,
		remote:  cfg.Remote,
		signal:  cfg.Signal.Unmap(),
		codec:   cfg.Codec,
		dtmfPT:  cfg.DTMFPT,
		sending: true,
	}
	s.inband.Store(cfg.InbandDTMF)
	m := &s.media
	m.in, m.out, m.pcm = sh.buffers()
	m.hdr.CSRC = make([]uint32, 0, 15)
	m.hdr.Extensions = make([]rtp.Extension, 0, 8)
	m.hdrOut = rtp.Header{Version: 2, SSRC: rand.Uint32()}
	m.seq = uint16(rand.Uint32())
	m.ts = rand.Uint32()
	m.marker = true
	m.codec, m.dtmfPT = cfg.Codec, cfg.DTMFPT
	m.learnAny = cfg.LearnAny
	return s
}

// LocalPort returns the stream's RTP port (RTCP is the port above).
func (s *Stream) LocalPort() int { return s.port }

// SetRemote sets the peer's media address from SDP. A change of address
// (a re-INVITE to another media server) forgets the learned source so the
// new one can be learned; setting the same address again changes nothing.
func (s *Stream) SetRemote(addr netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if addr != s.remote {
		s.remote = addr
		s.relearn = true
	}
}

// SetCodec changes the audio codec and the telephone-event payload type
// (0: none). A codec other than PCMU or PCMA, or an invalid event payload
// type, is logged and ignored. Removing the event type drops queued digits.
func (s *Stream) SetCodec(c Codec, dtmfPT uint8) {
	if !c.valid() || !validDTMFPT(c, dtmfPT) {
		s.log.Warn("ignoring unsupported codec", "pt", uint8(c), "dtmf_pt", dtmfPT)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codec, s.dtmfPT = c, dtmfPT
	if dtmfPT == 0 {
		s.digits = digitQueue{}
	}
}

// SetInband turns the in-band (Goertzel) DTMF detector on or off, for
// example once a late-offer answer shows the peer sends RFC 4733 events.
func (s *Stream) SetInband(on bool) { s.inband.Store(on) }

// SetSending turns sending on or off (off: the call is on hold, nothing is
// sent). While off, playback and digits pause; the RTP clock runs on, and
// the first packet after resuming carries the marker bit.
func (s *Stream) SetSending(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sending = on
}

// Play sends clips back to back, in 160-byte frames (the last padded with
// silence), then silence. The clips must already be in the stream's codec
// and must not be modified until the returned channel is closed. The
// channel is closed when the last frame has been sent, or when Stop,
// another Play or Close ends the playback first.
func (s *Stream) Play(clips [][]byte) <-chan struct{} {
	done := make(chan struct{})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.play.stop()
	if s.closed.Load() || totalLen(clips) == 0 {
		close(done)
		return done
	}
	s.play = playback{clips: clips, done: done}
	return done
}

// Stop ends the current playback, if any, and closes its channel.
func (s *Stream) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.play.stop()
}

// SendDigit queues key to be sent as RFC 4733 telephone-events lasting d
// (0 means dtmf.DefaultDuration; d must be within dtmf.MinDuration and
// dtmf.MaxDuration) and returns at once. Audio pauses while a digit is
// sent; queued digits are sent one after another with a short gap.
func (s *Stream) SendDigit(key byte, d time.Duration) error {
	if _, ok := dtmf.Code(key); !ok {
		return fmt.Errorf("stream: send digit: %w: %q", dtmf.ErrKey, key)
	}
	if dtmf.Packets(d) == 0 {
		return fmt.Errorf("stream: send digit: %w: %v", dtmf.ErrDuration, d)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed.Load():
		return ErrClosed
	case s.dtmfPT == 0:
		return ErrNoDTMF
	case !s.digits.push(key, d):
		return fmt.Errorf("%w (%d)", ErrBusy, maxDigits)
	}
	return nil
}

// Close stops the stream, removes its sinks and source, ends its Bridge
// link if any, closes any pending Play channel and releases its ports. It
// is idempotent. Like RemoveSink, it must not be called from a Sink's or
// Source's own methods.
func (s *Stream) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		s.sh.remove(s)
		s.detach()
		s.e.forget(s)
		s.mu.Lock()
		s.play.stop()
		s.digits = digitQueue{}
		s.mu.Unlock()
		s.io.Lock()
		err = errors.Join(s.rtp.close(), s.rtcp.close())
		s.io.Unlock()
		s.e.ports.release(s.port)
		st := s.Stats()
		s.log.Debug("stream closed", "packets_in", st.PacketsIn, "packets_out", st.PacketsOut,
			"strangers", st.Strangers, "invalid", st.Invalid)
	})
	return err
}

// detach removes the sinks and the source of a closing stream, waits for a
// tick that may still use them, and ends the links they belong to.
func (s *Stream) detach() {
	sinks := s.removeSinks()
	src := s.source.Swap(nil).get()
	s.waitTick()
	for _, e := range sinks {
		if g, ok := e.sink.(*leg); ok {
			_ = g.link.Close()
		}
	}
	if g, ok := src.(*leg); ok {
		_ = g.link.Close()
	}
}

// playback is the state of Play; guarded by Stream.mu.
type playback struct {
	clips [][]byte
	clip  int           // index of the clip being sent
	off   int           // offset in it
	done  chan struct{} // closed when the playback ends; nil when idle
}

// stop ends the playback and closes its channel.
func (p *playback) stop() {
	if p.done != nil {
		close(p.done)
	}
	*p = playback{}
}

// fill copies the next frame into frame, padding with silence after the
// last clip. When the last clip is used up it returns the done channel, for
// the caller to close once the frame is sent, and goes idle.
func (p *playback) fill(frame []byte, silence byte) (finished chan struct{}) {
	n := 0
	for n < len(frame) && p.clip < len(p.clips) {
		k := copy(frame[n:], p.clips[p.clip][p.off:])
		n += k
		p.off += k
		if p.off >= len(p.clips[p.clip]) {
			p.clip, p.off = p.clip+1, 0
		}
	}
	for i := n; i < len(frame); i++ {
		frame[i] = silence
	}
	if p.done != nil && p.clip >= len(p.clips) {
		finished = p.done
		*p = playback{}
	}
	return finished
}

func totalLen(clips [][]byte) int {
	n := 0
	for _, c := range clips {
		n += len(c)
	}
	return n
}

// digitQueue is a small ring of digits waiting to be sent; guarded by
// Stream.mu.
type digitQueue struct {
	keys [maxDigits]byte
	durs [maxDigits]time.Duration
	head int
	n    int
}

func (q *digitQueue) push(key byte, d time.Duration) bool {
	if q.n == maxDigits {
		return false
	}
	i := (q.head + q.n) % maxDigits
	q.keys[i], q.durs[i] = key, d
	q.n++
	return true
}

func (q *digitQueue) pop() (byte, time.Duration, bool) {
	if q.n == 0 {
		return 0, 0, false
	}
	key, d := q.keys[q.head], q.durs[q.head]
	q.head = (q.head + 1) % maxDigits
	q.n--
	return key, d, true
}
