package sip

import (
	"sync"
	"sync/atomic"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Tracer is told of every SIP message the transports read and write (the
// raw bytes: one datagram, or a chunk of a stream).
type Tracer interface {
	SIPTraceRead(transport, laddr, raddr string, msg []byte)
	SIPTraceWrite(transport, laddr, raddr string, msg []byte)
}

// The SIP library's tracer is process-wide; the box installs its own
// through SetTracer, and a restart in-process replaces it.
var (
	tracerOnce sync.Once
	tracer     atomic.Pointer[Tracer]
)

// SetTracer makes t see every SIP message of the process (nil: none).
func SetTracer(t Tracer) {
	tracerOnce.Do(func() {
		sipmsg.SIPDebugTracer(tracerHook{})
		sipmsg.SIPDebug = true
	})
	if t == nil {
		tracer.Store(nil)
		return
	}
	tracer.Store(&t)
}

// tracerHook forwards the library's calls to the tracer set.
type tracerHook struct{}

func (tracerHook) SIPTraceRead(transport, laddr, raddr string, msg []byte) {
	if t := tracer.Load(); t != nil && len(msg) > 0 {
		(*t).SIPTraceRead(transport, laddr, raddr, msg)
	}
}

func (tracerHook) SIPTraceWrite(transport, laddr, raddr string, msg []byte) {
	if t := tracer.Load(); t != nil && len(msg) > 0 {
		(*t).SIPTraceWrite(transport, laddr, raddr, msg)
	}
}
