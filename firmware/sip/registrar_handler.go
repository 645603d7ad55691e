package sip

import (
	"errors"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/icholy/digest"

	sipmsg "github.com/emiago/sipgo/sip"
)

// onRegister answers a REGISTER as the registrar of the local accounts:
// 401 with a fresh challenge until it carries valid credentials, then 403
// for a wrong password or unknown account (the same answers and the same
// work either way), else the binding update and 200 with the bindings.
func (s *Server) onRegister(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	reg, accounts := s.registrar()
	if reg == nil || accounts == nil {
		s.respond(tx, req, 405, "", sipmsg.NewHeader("Allow", allowed))
		return
	}
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		s.respond(tx, req, 400, "Missing From, To, Call-ID or CSeq")
		return
	}
	h := req.GetHeader("Authorization")
	if h == nil {
		if s.authBanned(reg, req, req.To().Address.User) {
			s.refuseRegister(reg, req, tx, req.To().Address.User, errBanned)
			return
		}
		s.respond(tx, req, 401, "Unauthorized", sipmsg.NewHeader("WWW-Authenticate", reg.challenge(false)))
		return
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err == nil && s.authBanned(reg, req, cred.Username) {
		s.refuseRegister(reg, req, tx, cred.Username, errBanned)
		return
	}
	if err == nil {
		err = reg.verify(accounts, string(req.Method), cred)
	}
	switch {
	case errors.Is(err, errStaleNonce), errors.Is(err, errNonce) || cred == nil:
		s.respond(tx, req, 401, "Unauthorized", sipmsg.NewHeader("WWW-Authenticate", reg.challenge(errors.Is(err, errStaleNonce))))
		return
	case errors.Is(err, errReplay):
		s.authResult(req, cred.Username, false)
		s.respond(tx, req, 401, "Unauthorized", sipmsg.NewHeader("WWW-Authenticate", reg.challenge(false)))
		return
	case err == nil && cred.Username != req.To().Address.User:
		err = errors.New("credentials for another account")
	}
	s.authResult(req, cred.Username, err == nil)
	if err != nil {
		s.refuseRegister(reg, req, tx, cred.Username, err)
		return
	}
	code, reason, hdrs := reg.update(cred.Username, req)
	s.respond(tx, req, code, reason, hdrs...)
}

// errBanned refuses a REGISTER from a banned source or for a banned account.
var errBanned = errors.New("banned after failed authentications")

// refuseRegister answers 403 and logs why, a few lines a minute at most.
func (s *Server) refuseRegister(reg *registrar, req *sipmsg.Request, tx sipmsg.ServerTransaction, user string, err error) {
	if ok, held := reg.logGate.Allow(reg.now()); ok {
		s.log.Info("REGISTER refused", "user", clip(user), "source", req.Source(), "error", err, "more_refused_unlogged", held)
	} else {
		s.log.Debug("REGISTER refused", "user", clip(user), "source", req.Source(), "error", err)
	}
	s.respond(tx, req, 403, "")
}

// update applies a REGISTER's Contacts to user's bindings and returns the
// answer: 200 with every live binding, 423 for too short a lifetime, 400
// for a malformed request.
func (reg *registrar) update(user string, req *sipmsg.Request) (int, string, []sipmsg.Header) {
	src, _ := netip.ParseAddrPort(req.Source())
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	transport := sipmsg.NetworkToUpper(req.Transport())
	type change struct {
		contact string
		expiry  time.Duration
	}
	var changes []change
	wildcard := false
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sipmsg.ContactHeader)
		if !ok {
			return 400, "Bad Contact", nil
		}
		if c.Address.Wildcard {
			wildcard = true
			continue
		}
		exp, err := requestExpiry(c, req)
		if err != nil || c.Address.Host == "" {
			return 400, "Bad Contact", nil
		}
		if exp > 0 && exp < MinExpiry {
			return 423, "Interval Too Brief", []sipmsg.Header{sipmsg.NewHeader("Min-Expires", strconv.Itoa(int(MinExpiry/time.Second)))}
		}
		changes = append(changes, change{contact: c.Address.String(), expiry: min(exp, MaxExpiry)})
	}
	if wildcard {
		if exp := req.GetHeader("Expires"); len(changes) > 0 || exp == nil || exp.Value() != "0" {
			return 400, "Wildcard Contact Needs Expires: 0", nil
		}
	}
	now := reg.now()
	reg.mu.Lock()
	defer reg.mu.Unlock()
	reg.sweepLocked()
	if wildcard {
		delete(reg.bindings, user)
	}
	for _, ch := range changes {
		if ch.expiry == 0 {
			delete(reg.bindings[user], ch.contact)
			continue
		}
		if reg.bindings[user] == nil {
			reg.bindings[user] = make(map[string]*binding)
		}
		reg.bindings[user][ch.contact] = &binding{contact: ch.contact, source: src, transport: transport,
			expires: now.Add(ch.expiry), updated: now, userAgent: userAgent(req)}
	}
	reg.expireLocked(user)
	hdrs := []sipmsg.Header{sipmsg.NewHeader("Date", now.UTC().Format(time.RFC1123))}
	for _, c := range slices.Sorted(maps.Keys(reg.bindings[user])) {
		b := reg.bindings[user][c]
		hdrs = append(hdrs, sipmsg.NewHeader("Contact", "<"+c+">;expires="+strconv.Itoa(int(b.expires.Sub(now).Round(time.Second)/time.Second))))
	}
	return 200, "", hdrs
}

// Bindings returns the number of live registrations (all accounts).
func (s *Server) Bindings() int {
	reg, _ := s.registrar()
	if reg == nil {
		return 0
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	reg.sweepLocked()
	n := 0
	for _, bs := range reg.bindings {
		n += len(bs)
	}
	return n
}
