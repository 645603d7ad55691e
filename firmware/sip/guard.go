package sip

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/ivrbox/ivrbox/firmware/guard"
)

// CauseBlocked ends the dialogs not yet confirmed of a source the guard
// just blocked: their media is freed at once instead of after 64*T1.
const CauseBlocked = "blocked"

// Guard decides which sources the server serves (a *guard.Guard): it is
// asked about each request, and about each packet's source before it is
// parsed.
type Guard interface {
	// Request counts a request and says whether to serve it.
	Request(src netip.Addr, method string) guard.Verdict
	// Blocked reports whether packets from src are to be dropped unread.
	Blocked(src netip.Addr) bool
	// AuthBanned reports whether a REGISTER for user from src is refused
	// (403) without looking at its credentials.
	AuthBanned(src netip.Addr, user string) bool
	// AuthFailed and AuthOK count a REGISTER's authentication result.
	AuthFailed(src netip.Addr, user string)
	AuthOK(src netip.Addr, user string)
}

var _ Guard = (*guard.Guard)(nil)

// errBlocked closes a TCP or TLS connection from a blocked source.
var errBlocked = errors.New("source blocked")

// readFilter drops, before they are parsed, the datagrams of blocked
// sources and closes their connections.
func (s *Server) readFilter(p sipmsg.TransportReadProps, data []byte) ([]byte, error) {
	g := s.opts.Guard
	if g == nil {
		return data, nil
	}
	if !g.Blocked(addrOf(p.RemoteAddr)) {
		return data, nil
	}
	if p.Transport == "UDP" {
		return nil, nil
	}
	return nil, errBlocked
}

// addrOf is the IP of a UDP or TCP address.
func addrOf(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort().Addr().Unmap()
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

// sourceOf is the IP a request came from.
func sourceOf(req *sipmsg.Request) netip.Addr {
	ap, _ := netip.ParseAddrPort(req.Source())
	return ap.Addr().Unmap()
}

// admitted asks the guard about a request: false means it was dropped or
// refused (403) and must not be handled. A refused INVITE also ends the
// source's dialogs still waiting for their ACK.
func (s *Server) admitted(req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	g := s.opts.Guard
	if g == nil {
		return true
	}
	src := sourceOf(req)
	v := g.Request(src, string(req.Method))
	if v == guard.Pass {
		return true
	}
	if req.IsInvite() {
		s.endUnconfirmed(src)
	}
	if v == guard.Refuse && !req.IsAck() {
		s.respond(tx, req, 403, "")
	}
	return false
}

// endUnconfirmed ends src's dialogs that were never confirmed: an early one
// is refused (403), an answered one never ACKed is dropped without a BYE
// (its source is blocked: no answer would come back).
func (s *Server) endUnconfirmed(src netip.Addr) {
	s.mu.Lock()
	var ds []*Dialog
	for _, d := range s.dialogs {
		if d.source.Addr().Unmap() == src {
			ds = append(ds, d)
		}
	}
	s.mu.Unlock()
	for _, d := range ds {
		switch prev, ok := d.closing(stateEarly, stateAnswered); {
		case ok && prev == stateEarly:
			if err := d.tx.Respond(d.response(403, "", nil)); err != nil {
				s.log.Debug("403 to a blocked source failed", "call_id", d.callID, "error", err)
			}
			d.end(CauseBlocked)
		case ok:
			d.end(CauseBlocked)
		}
	}
}

// RejectRetryAfter is Reject with the standard reason phrase and a
// Retry-After header (whole seconds, at least 1): admission control's 503
// (RFC 3261 section 21.5.4) tells the caller when to try again.
func (d *Dialog) RejectRetryAfter(status int, after time.Duration) error {
	secs := max(int(after/time.Second), 1)
	return d.reject(status, "", CauseRejected, sipmsg.NewHeader("Retry-After", strconv.Itoa(secs)))
}

// authBanned refuses a REGISTER for user from a banned source or account.
// An account's ban spares the addresses it is registered from now, so
// guessing from elsewhere cannot lock a working phone out (its source's
// own block still applies).
func (s *Server) authBanned(reg *registrar, req *sipmsg.Request, user string) bool {
	g := s.opts.Guard
	if g == nil {
		return false
	}
	src := sourceOf(req)
	if reg.boundFrom(user, src) {
		return g.Blocked(src)
	}
	return g.AuthBanned(src, user)
}

// authResult tells the guard how a REGISTER's authentication went.
func (s *Server) authResult(req *sipmsg.Request, user string, ok bool) {
	g := s.opts.Guard
	switch {
	case g == nil:
	case ok:
		g.AuthOK(sourceOf(req), user)
	default:
		g.AuthFailed(sourceOf(req), user)
	}
}
