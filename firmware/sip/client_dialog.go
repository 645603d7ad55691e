package sip

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	sipmsg "github.com/emiago/sipgo/sip"
)

// ClientDialog is a call we placed with Dial and that was answered. Its
// methods are safe for concurrent use.
type ClientDialog struct {
	srv       *Server
	key       string
	callID    string
	from      sipmsg.FromHeader // ours, with our tag
	to        sipmsg.ToHeader   // theirs, with their tag
	routes    []string          // the route set, in order
	transport string
	local     netip.AddrPort
	dest      netip.AddrPort // where the INVITE went
	tlsDest   string         // over TLS: the INVITE's destination (name:port, checked by its certificate)
	secure    bool           // the INVITE's Request-URI is sips:
	remoteSDP []byte
	ack       *sipmsg.Request // our ACK, sent again for each 2xx retransmission

	done chan struct{}

	mu           sync.Mutex // guards the fields below
	remoteTarget sipmsg.Uri
	localCSeq    uint32
	remoteCSeq   uint32
	ended        bool
	cause        string
	onInfo       func(key byte)
	onReInvite   func(offer []byte) ([]byte, error)
	localSDP     []byte // what we last told the callee
}

// accept builds the dialog from the INVITE's 2xx, sends the ACK and keeps
// re-sending it for each retransmitted 2xx until the transaction ends.
func (s *Server) accept(inv *sipmsg.Request, res *sipmsg.Response, tx sipmsg.ClientTransaction, local, dest netip.AddrPort) (*ClientDialog, error) {
	touchResponse(res)
	if res.To() == nil || res.CallID() == nil {
		return nil, fmt.Errorf("sip: 2xx without To or Call-ID")
	}
	remoteTag, _ := res.To().Params.Get("tag")
	localTag, _ := inv.From().Params.Get("tag")
	cd := &ClientDialog{srv: s, callID: inv.CallID().Value(), from: *inv.From(), transport: inv.Transport(),
		local: local, dest: dest, remoteSDP: res.Body(), done: make(chan struct{}), localCSeq: inv.CSeq().SeqNo,
		localSDP: inv.Body(), secure: isSecure(inv.Recipient)}
	if cd.transport == "TLS" {
		cd.tlsDest = inv.Destination()
	}
	cd.from.Params = inv.From().Params.Clone()
	cd.to = sipmsg.ToHeader{DisplayName: res.To().DisplayName, Address: *res.To().Address.Clone(), Params: res.To().Params.Clone()}
	cd.key = dialogKey(cd.callID, localTag, remoteTag)
	cd.remoteTarget = *inv.Recipient.Clone()
	if c := res.Contact(); c != nil && c.Address.Host != "" {
		cd.remoteTarget = *c.Address.Clone()
	}
	for _, rr := range res.GetHeaders("Record-Route") {
		cd.routes = append(cd.routes, rr.Value())
	}
	slices.Reverse(cd.routes)
	cd.ack = cd.newRequest(sipmsg.ACK, inv.CSeq().SeqNo)
	s.mu.Lock()
	s.clients[cd.key] = cd
	s.mu.Unlock()
	if err := s.client.WriteRequest(cd.ack.Clone(), prebuilt); err != nil {
		s.log.Info("ACK failed", "call_id", cd.callID, "error", err)
	}
	tx.OnRetransmission(func(*sipmsg.Response) {
		if err := s.client.WriteRequest(cd.ack.Clone(), prebuilt); err != nil {
			s.log.Debug("ACK retransmission failed", "call_id", cd.callID, "error", err)
		}
	})
	s.log.Info("outbound call answered", "call_id", cd.callID, "to", cd.to.Address.String())
	return cd, nil
}

// Tags returns the dialog's From tag (ours) and To tag (the callee's).
func (cd *ClientDialog) Tags() (from, to string) {
	from, _ = cd.from.Params.Get("tag")
	to, _ = cd.to.Params.Get("tag")
	return from, to
}

// CallID returns the call's Call-ID.
func (cd *ClientDialog) CallID() string { return cd.callID }

// RemoteTarget returns the callee's Contact URI (where in-dialog requests
// go), as its latest 2xx or re-INVITE gave it.
func (cd *ClientDialog) RemoteTarget() string {
	cd.mu.Lock()
	defer cd.mu.Unlock()
	return cd.remoteTarget.String()
}

// RemoteSDP returns the callee's answer from the 2xx.
func (cd *ClientDialog) RemoteSDP() []byte { return cd.remoteSDP }

// LocalAddr returns our signalling address as the callee reaches it; its IP
// is the one our SDP should carry.
func (cd *ClientDialog) LocalAddr() netip.AddrPort { return cd.local }

// Destination returns where the INVITE went: the callee's (or trunk's)
// signalling address.
func (cd *ClientDialog) Destination() netip.AddrPort { return cd.dest }

// Done is closed when the call ends.
func (cd *ClientDialog) Done() <-chan struct{} { return cd.done }

// Cause returns why the call ended (CauseBye or CauseHangup), "" while up.
func (cd *ClientDialog) Cause() string {
	cd.mu.Lock()
	defer cd.mu.Unlock()
	return cd.cause
}

// OnInfo sets the function that receives keys the callee sends as SIP
// INFO, like Dialog.OnInfo.
func (cd *ClientDialog) OnInfo(f func(key byte)) {
	cd.mu.Lock()
	cd.onInfo = f
	cd.mu.Unlock()
}

// OnReInvite sets the function that answers the callee's re-INVITEs
// (session refresh, hold): it gets the offer (nil when the re-INVITE has
// none) and returns our answer; nil answers with what we last sent. A
// StatusError refuses the re-INVITE with its status. Without f every
// re-INVITE is answered with our last SDP.
func (cd *ClientDialog) OnReInvite(f func(offer []byte) ([]byte, error)) {
	cd.mu.Lock()
	cd.onReInvite = f
	cd.mu.Unlock()
}

// clientReInvite answers a re-INVITE from the callee with 200 OK and our SDP. The
// ACK is not awaited and the 200 is not retransmitted (over UDP a lost 200
// leaves the callee to retry).
func (s *Server) clientReInvite(cd *ClientDialog, req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	offer, err := sdpBody(req)
	if err != nil {
		s.respond(tx, req, 415, "", sipmsg.NewHeader("Accept", "application/sdp"))
		return
	}
	cd.mu.Lock()
	f, answer := cd.onReInvite, cd.localSDP
	cd.mu.Unlock()
	if f != nil {
		a, err := callReInvite(f, offer)
		if err != nil {
			code, reason := statusOf(err)
			s.respond(tx, req, code, reason)
			return
		}
		if len(a) > 0 {
			answer = a
			cd.mu.Lock()
			cd.localSDP = a
			cd.mu.Unlock()
		}
	}
	res := sipmsg.NewResponseFromRequest(req, 200, "OK", answer)
	res.AppendHeader(&sipmsg.ContactHeader{Address: contactURI(cd.from.Address.User, cd.transport, cd.local, cd.secure)})
	res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	res.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	res.AppendHeader(sipmsg.NewHeader("Server", s.opts.UserAgent))
	if err := tx.Respond(res); err != nil {
		s.log.Info("re-INVITE 200 failed", "call_id", cd.callID, "error", err)
	}
}

// Hangup sends BYE and waits for its answer until ctx ends; the call ends
// with cause "hangup" whatever the BYE's fate. On an ended call it does
// nothing.
func (cd *ClientDialog) Hangup(ctx context.Context) error {
	if !cd.end(CauseHangup) {
		return nil
	}
	cd.mu.Lock()
	cd.localCSeq++
	seq := cd.localCSeq
	cd.mu.Unlock()
	d := &Dialog{srv: cd.srv} // for its do
	res, err := d.do(ctx, cd.newRequest(sipmsg.BYE, seq))
	if err != nil {
		return fmt.Errorf("sip: BYE: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("sip: BYE answered %d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// end marks the call ended once; it reports whether this call did.
func (cd *ClientDialog) end(cause string) bool {
	cd.mu.Lock()
	if cd.ended {
		cd.mu.Unlock()
		return false
	}
	cd.ended, cd.cause = true, cause
	cd.onInfo, cd.onReInvite = nil, nil // they hold the call: free it even if a transaction lingers
	cd.mu.Unlock()
	close(cd.done)
	cd.srv.mu.Lock()
	if cd.srv.clients[cd.key] == cd {
		delete(cd.srv.clients, cd.key)
	}
	cd.srv.mu.Unlock()
	cd.srv.log.Info("outbound call ended", "call_id", cd.callID, "cause", cause)
	return true
}

// newRequest builds an in-dialog request (RFC 3261 section 12.2.1.1).
func (cd *ClientDialog) newRequest(method sipmsg.RequestMethod, seq uint32) *sipmsg.Request {
	cd.mu.Lock()
	target := *cd.remoteTarget.Clone()
	cd.mu.Unlock()
	req := sipmsg.NewRequest(method, target)
	req.AppendHeader(newVia(cd.transport, cd.local))
	for _, r := range cd.routes {
		req.AppendHeader(sipmsg.NewHeader("Route", r))
	}
	maxFwd := sipmsg.MaxForwardsHeader(70)
	from := cd.from
	from.Params = cd.from.Params.Clone()
	to := cd.to
	to.Params = cd.to.Params.Clone()
	cid := sipmsg.CallIDHeader(cd.callID)
	req.AppendHeader(&maxFwd)
	req.AppendHeader(&from)
	req.AppendHeader(&to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: seq, MethodName: method})
	req.AppendHeader(&sipmsg.ContactHeader{Address: contactURI(cd.from.Address.User, cd.transport, cd.local, cd.secure)})
	req.AppendHeader(sipmsg.NewHeader("User-Agent", cd.srv.opts.UserAgent))
	req.SetTransport(cd.transport)
	switch {
	case cd.tlsDest != "" && len(cd.routes) == 0:
		req.SetDestination(cd.tlsDest) // the INVITE's connection, or a new one checked by the same name
	case len(cd.routes) == 0 && cd.dest.IsValid():
		if ip, err := netip.ParseAddr(target.Host); err == nil && ip.Unmap() != cd.dest.Addr() && !routable(ip.Unmap()) {
			req.SetDestination(cd.dest.String()) // a callee behind NAT: where the INVITE went
		} else if err == nil {
			port := target.Port
			if port == 0 {
				port = 5060
			}
			req.SetDestination(netip.AddrPortFrom(ip.Unmap(), uint16(port)).String())
		}
	}
	if cd.transport == "UDP" {
		req.Laddr = cd.srv.udpLaddr()
	}
	req.SetBody(nil)
	return req
}

// lookupClient finds the outbound call an in-dialog request from the
// callee belongs to (To tag ours, From tag theirs).
func (s *Server) lookupClient(req *sipmsg.Request) *ClientDialog {
	to, from, cid := req.To(), req.From(), req.CallID()
	if to == nil || from == nil || cid == nil {
		return nil
	}
	localTag, _ := to.Params.Get("tag")
	remoteTag, _ := from.Params.Get("tag")
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[dialogKey(cid.Value(), localTag, remoteTag)]
}

// checkCSeq records the CSeq of a request from the callee; a lower one
// than seen before is out of order.
func (cd *ClientDialog) checkCSeq(req *sipmsg.Request) bool {
	seq := req.CSeq().SeqNo
	cd.mu.Lock()
	defer cd.mu.Unlock()
	if seq < cd.remoteCSeq {
		return false
	}
	cd.remoteCSeq = seq
	return true
}

// onClientRequest handles re-INVITE, BYE and INFO from a callee; false if req is not
// for an outbound call.
func (s *Server) onClientRequest(req *sipmsg.Request, tx sipmsg.ServerTransaction) bool {
	cd := s.lookupClient(req)
	if cd == nil {
		return false
	}
	if req.CSeq() == nil || !cd.checkCSeq(req) {
		s.respond(tx, req, 500, "CSeq Out of Order")
		return true
	}
	switch req.Method {
	case sipmsg.INVITE:
		s.clientReInvite(cd, req, tx)
	case sipmsg.BYE:
		s.respond(tx, req, 200, "")
		cd.end(CauseBye)
	case sipmsg.INFO:
		ct := ""
		if h := req.ContentType(); h != nil {
			ct = h.Value()
		}
		key, err := parseInfo(ct, req.Body())
		if err != nil {
			s.respond(tx, req, 415, "")
			return true
		}
		s.respond(tx, req, 200, "")
		cd.mu.Lock()
		f := cd.onInfo
		cd.mu.Unlock()
		if key != 0 && f != nil {
			s.deliverKey(&Dialog{callID: cd.callID}, f, key)
		}
	default:
		s.respond(tx, req, 405, "", sipmsg.NewHeader("Allow", allowed))
	}
	return true
}
