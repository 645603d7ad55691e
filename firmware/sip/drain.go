package sip

import (
	"net/netip"
	"strconv"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// SetDraining puts the server in or out of drain: while draining, new
// INVITEs and out-of-dialog OPTIONS (a proxy's probes, such as Kamailio's
// dispatcher) are answered 503 Service Unavailable with Retry-After
// retryAfter (at least a second), so proxies send new calls elsewhere;
// requests within dialogs are served as ever, so calls in progress go on.
func (s *Server) SetDraining(on bool, retryAfter time.Duration) {
	if !on {
		s.drainRetry.Store(0)
		s.log.Info("draining ended: taking calls")
		return
	}
	sec := int64((retryAfter + time.Second - 1) / time.Second)
	if sec < 1 {
		sec = 1
	}
	if s.drainRetry.Swap(sec) == 0 {
		s.log.Info("draining: new calls and OPTIONS probes get 503", "retry_after", sec)
	}
}

// Draining reports whether the server is draining (SetDraining).
func (s *Server) Draining() bool { return s.drainRetry.Load() != 0 }

// refuseDraining answers req 503 with Retry-After and returns true while
// the server is draining.
func (s *Server) refuseDraining(req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	sec := s.drainRetry.Load()
	if sec == 0 {
		return false
	}
	s.log.Debug("refused while draining", "method", req.Method, "call_id", callID(req))
	s.respond(tx, req, 503, "", sipmsg.NewHeader("Retry-After", strconv.FormatInt(sec, 10)))
	return true
}

// advertised is the address to name in Via and Contact for a peer at src
// when Options.Advertise has one for it (an external signalling address).
func (s *Server) advertised(src netip.AddrPort) (netip.Addr, bool) {
	if s.opts.Advertise == nil || !src.IsValid() {
		return netip.Addr{}, false
	}
	return s.opts.Advertise(src.Addr().Unmap())
}
