package stream

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// Engine owns the streams of all calls and the shard goroutines that serve
// them. Its methods are safe for concurrent use.
type Engine struct {
	opts   Options
	log    *slog.Logger
	ports  *portPool
	shards []*shard
	cancel context.CancelFunc
	wg     sync.WaitGroup // the shard goroutines
	once   sync.Once      // Close

	mu      sync.Mutex
	streams map[*Stream]struct{} // open streams; guarded by mu
	closed  bool                 // guarded by mu
}

// NewEngine starts an engine with opts.Shards shard goroutines; Close
// stops them.
func NewEngine(opts Options) (*Engine, error) {
	e, err := newEngine(opts)
	if err != nil {
		return nil, err
	}
	e.start(nil)
	return e, nil
}

// newEngine makes an engine and its shards without starting them. On the
// real clock, unless opts.TickReads, each shard gets a poller if the build
// has one; a shard without reads its sockets on the tick.
func newEngine(opts Options) (*Engine, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		opts:    opts,
		log:     opts.Log,
		ports:   newPortPool(opts.PortLow, opts.PortHigh),
		cancel:  func() {},
		streams: make(map[*Stream]struct{}),
	}
	_, realTime := opts.Clock.(realClock)
	for i := range opts.Shards {
		sh := newShard(i, opts.Clock, e.log.With("shard", i))
		if realTime && !opts.TickReads {
			if sh.poll, err = newPoller(); err != nil {
				sh.log.Debug("rtp shard reads every socket on the tick", "err", err)
			}
		}
		e.shards = append(e.shards, sh)
	}
	return e, nil
}

// start starts the shard goroutines; tune, if set, adjusts each shard
// before its goroutine starts (tests).
func (e *Engine) start(tune func(*shard)) {
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	for _, sh := range e.shards {
		if tune != nil {
			tune(sh)
		}
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			sh.run(ctx)
		}()
	}
	e.log.Debug("rtp engine started", "shards", len(e.shards),
		"ports", fmt.Sprintf("%d-%d", e.opts.PortLow, e.opts.PortHigh))
}

// Open binds a port pair and starts serving a stream for cfg. The error
// wraps ErrNoPorts when the range is exhausted, ErrCodec for a bad codec
// or DTMF payload type, ErrCrypto for bad SRTP keys, and ErrClosed after
// Close.
func (e *Engine) Open(cfg Config) (*Stream, error) {
	if !cfg.Codec.valid() {
		return nil, fmt.Errorf("%w: payload type %d", ErrCodec, cfg.Codec)
	}
	if !validDTMFPT(cfg.Codec, cfg.DTMFPT) {
		return nil, fmt.Errorf("%w: telephone-event payload type %d", ErrCodec, cfg.DTMFPT)
	}
	if e.isClosed() {
		return nil, ErrClosed
	}
	var sec *secure
	if cfg.Crypto != nil {
		var err error
		if sec, err = newSecure(cfg.Crypto, nil); err != nil {
			return nil, err
		}
	}
	rtp, rtcp, port, err := e.ports.open(cfg.Local)
	if err != nil {
		return nil, err
	}
	sh := e.leastLoaded()
	s := newStream(e, sh, cfg, rtp, rtcp, port)
	s.secure, s.media.secure = sec, sec
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		_ = s.Close()
		return nil, ErrClosed
	}
	e.streams[s] = struct{}{}
	e.mu.Unlock()
	sh.add(s)
	s.log.Debug("stream opened", "codec", cfg.Codec, "dtmf_pt", cfg.DTMFPT, "remote", cfg.Remote)
	return s, nil
}

// Streams returns the number of open streams.
func (e *Engine) Streams() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.streams)
}

// Close stops the shards (waking those that wait for a socket) and closes
// every stream. It is idempotent; every call returns once all is stopped.
func (e *Engine) Close() error {
	e.once.Do(func() {
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
		e.cancel()
		e.wg.Wait()
		e.mu.Lock()
		streams := make([]*Stream, 0, len(e.streams))
		for s := range e.streams {
			streams = append(streams, s)
		}
		e.mu.Unlock()
		for _, s := range streams {
			_ = s.Close()
		}
		for _, sh := range e.shards {
			sh.closePoll()
		}
		e.log.Debug("rtp engine stopped", "streams_closed", len(streams))
	})
	return nil
}

func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

// forget removes a closed stream.
func (e *Engine) forget(s *Stream) {
	e.mu.Lock()
	if _, ok := e.streams[s]; ok {
		s.sh.retire(s)
	}
	delete(e.streams, s)
	e.mu.Unlock()
}

// leastLoaded returns the shard with the fewest streams.
func (e *Engine) leastLoaded() *shard {
	best := e.shards[0]
	for _, sh := range e.shards[1:] {
		if sh.load() < best.load() {
			best = sh
		}
	}
	return best
}

// validDTMFPT reports whether pt can be the telephone-event payload type
// next to codec: 0 (none) or a payload type other than the codec's.
func validDTMFPT(codec Codec, pt uint8) bool {
	return pt == 0 || (pt <= 127 && pt != uint8(codec))
}
