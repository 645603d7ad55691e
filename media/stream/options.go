package stream

import (
	"fmt"
	"log/slog"
	"net/netip"
	"runtime"
	"time"
)

// Default port range, used when Options leave it zero.
const (
	DefaultPortLow  = 10000
	DefaultPortHigh = 20000
)

// Config is what a stream needs from the call's SDP negotiation.
type Config struct {
	// Local is the IP address to bind; the zero value means 0.0.0.0 (all
	// IPv4 addresses). An IPv6 address binds an IPv6 socket.
	Local netip.Addr
	// Remote is the peer's media address from SDP. It may be zero until
	// known (late offer); nothing is sent until it is set or a source is
	// learned.
	Remote netip.AddrPort
	// Codec is the audio codec, PCMU or PCMA.
	Codec Codec
	// DTMFPT is the negotiated telephone-event payload type (RFC 4733);
	// 0 means none: no digits are received or sent as events.
	DTMFPT uint8
	// InbandDTMF runs the Goertzel detector on received audio. Detection
	// pauses for a second after any telephone-event packet, so a phone that
	// sends both does not produce every digit twice.
	InbandDTMF bool
	// OnDigit, if set, is called with each received key press and its
	// source, "rfc4733" or "inband", as soon as the packet that completes
	// it is handled (see the package doc). It is called on the shard
	// goroutine that serves many calls: it must return quickly and never
	// block. It
	// may call the stream's methods (for example Stop, to end a prompt on
	// barge-in), but not Engine.Close, which waits for the shards. A call
	// already running when Close returns may still complete.
	OnDigit func(key byte, source string)
	// Crypto, if set, makes the stream SRTP from the start (see SetCrypto).
	Crypto *Crypto
	// Signal is the IP address the call's signalling comes from (see
	// SetSignal): a source is learned only from Remote, from this IP, or
	// from anywhere with LearnAny. Invalid: from Remote only.
	Signal netip.Addr
	// LearnAny lets the source be learned from any address (a NAT that
	// sends the caller's media from another public address than its
	// signalling). Strangers then can get in before the caller sends.
	LearnAny bool
}

// Digit sources passed to Config.OnDigit.
const (
	SourceRFC4733 = "rfc4733"
	SourceInband  = "inband"
)

// Options configure an Engine. The zero value works: ports 10000-20000, one
// shard per CPU, no logging, real time.
type Options struct {
	// PortLow and PortHigh bound the UDP ports streams use (inclusive).
	// Each stream takes an even RTP port and the odd port above it for
	// RTCP. Zero means DefaultPortLow and DefaultPortHigh.
	PortLow, PortHigh int
	// Shards is the number of goroutines serving streams; zero means
	// runtime.GOMAXPROCS(0).
	Shards int
	// Log receives the engine's diagnostics; nil discards them.
	Log *slog.Logger
	// Clock is the time source; nil means the real clock. Tests inject a
	// fake to step the 20 ms ticks by hand; with any Clock but the real
	// one, the shards read every socket on the tick instead of when it is
	// readable, so a test sees packets handled only on the ticks it steps.
	Clock Clock
	// TickReads makes the shards read every socket on the tick even on the
	// real clock, instead of waiting for the sockets to be readable. Tests
	// inside a testing/synctest bubble need it: a shard blocked in a system
	// call is not durably blocked, so the bubble's fake time would stand
	// still.
	TickReads bool
}

// Clock is the time source of the shards.
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
	if o.PortLow == 0 && o.PortHigh == 0 {
		o.PortLow, o.PortHigh = DefaultPortLow, DefaultPortHigh
	}
	o.PortLow += o.PortLow % 2 // RTP ports are even
	if o.PortLow <= 0 || o.PortHigh > 65535 || o.PortHigh < o.PortLow+1 {
		return o, fmt.Errorf("%w: port range %d-%d holds no even/odd pair", errOptions, o.PortLow, o.PortHigh)
	}
	if o.Shards < 0 {
		return o, fmt.Errorf("%w: %d shards", errOptions, o.Shards)
	}
	if o.Shards == 0 {
		o.Shards = runtime.GOMAXPROCS(0)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	return o, nil
}
