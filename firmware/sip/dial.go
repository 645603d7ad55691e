package sip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// DialOptions describes an outbound call.
type DialOptions struct {
	// Target is whom to call: a SIP URI ("sip:6001@10.0.0.5:5060") or
	// user@host[:port].
	Target string
	// Destination, if valid, is where the INVITE is sent instead of the
	// Target's host (e.g. the source Location returned for an account
	// behind NAT).
	Destination netip.AddrPort
	// From is the user part of our From URI (the caller number);
	// FromName its display name.
	From, FromName string
	// FromHost is the host of our From URI (a register trunk's domain);
	// empty means our own address.
	FromHost string
	// Transport is "UDP" (the default), "TCP" or "TLS".
	Transport string
	// ServerName is, over TLS, the name the callee's certificate must carry
	// (sent as SNI; the INVITE goes to ServerName at Destination's port);
	// empty means the Target's host, or with a Destination and no
	// ServerName, no new check: the connection to Destination is reused.
	ServerName string
	// CA, over TLS, is the PEM of the CA(s) that verify the callee's
	// certificate; empty means the system's roots (Options.TLSRoots).
	CA string
	// AuthUser and Password answer one 401/407 challenge; AuthUser empty
	// means From.
	AuthUser, Password string
	// SDP is our offer; required.
	SDP []byte
	// Headers are extra headers for the INVITE.
	Headers []Header
	// OnProgress, if set, sees each provisional response (100, 180, 183
	// with its SDP for early media) on the dialling goroutine.
	OnProgress func(Progress)
}

// Header is an extra SIP header.
type Header struct{ Name, Value string }

// Progress is a provisional response to our INVITE.
type Progress struct {
	Code   int
	Reason string
	SDP    []byte // early media answer (183), if any
}

// ErrNoAnswer reports that the callee sent no final response in time.
var ErrNoAnswer = errors.New("sip: no final response to INVITE")

// Dial places a call and returns when it is answered: a 2xx is
// acknowledged (and its retransmissions too) and the dialog returned. A
// failure status returns a *StatusError carrying it; one 401/407 is answered
// with the credentials. If ctx ends before the answer the INVITE is
// cancelled (CANCEL) and ctx's error returned.
func (s *Server) Dial(ctx context.Context, opts DialOptions) (*ClientDialog, error) {
	if len(opts.SDP) == 0 {
		return nil, errors.New("sip: Dial needs an SDP offer")
	}
	transport, err := transportOf(opts.Transport)
	if err != nil {
		return nil, err
	}
	target, err := parseTarget(opts.Target)
	if err != nil {
		return nil, err
	}
	dest := opts.Destination
	if !dest.IsValid() {
		if dest, err = resolve(ctx, defaultPort(target.HostPort(), transport)); err != nil {
			return nil, err
		}
	}
	if !s.enterDial() {
		return nil, ErrClosed
	}
	defer s.dials.Done()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.base, cancel)() // the server's Close cancels too
	req, local := s.newInvite(target, transport, dest, opts)
	if transport == "TLS" {
		if err := s.tlsTarget(req, target, dest, opts.Destination.IsValid(), opts.ServerName, opts.CA); err != nil {
			return nil, err
		}
	}
	if opts.AuthUser == "" {
		opts.AuthUser = opts.From
	}
	return s.invite(ctx, req, local, dest, opts)
}

// parseTarget reads a SIP URI or user@host[:port].
func parseTarget(t string) (sipmsg.Uri, error) {
	t = strings.Trim(strings.TrimSpace(t), "<>")
	if !strings.HasPrefix(strings.ToLower(t), "sip:") && !strings.HasPrefix(strings.ToLower(t), "sips:") {
		t = "sip:" + t
	}
	var uri sipmsg.Uri
	if err := sipmsg.ParseUri(t, &uri); err != nil || uri.Host == "" {
		return sipmsg.Uri{}, fmt.Errorf("sip: bad target %q: %v", clip(t), err)
	}
	return uri, nil
}

// newInvite builds our INVITE.
func (s *Server) newInvite(target sipmsg.Uri, transport string, dest netip.AddrPort, opts DialOptions) (*sipmsg.Request, netip.AddrPort) {
	req, local := s.outRequest(sipmsg.INVITE, target, transport, dest)
	fromHost := opts.FromHost
	if fromHost == "" {
		fromHost = local.Addr().String()
	}
	from := &sipmsg.FromHeader{DisplayName: opts.FromName, Params: sipmsg.NewParams(),
		Address: sipmsg.Uri{Scheme: "sip", User: opts.From, Host: fromHost}}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	to := &sipmsg.ToHeader{Address: *target.Clone(), Params: sipmsg.NewParams()}
	to.Address.UriParams, to.Address.Headers = nil, nil
	cid := sipmsg.CallIDHeader(sipmsg.GenerateTagN(24))
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: 1, MethodName: sipmsg.INVITE})
	req.AppendHeader(&sipmsg.ContactHeader{Address: contactURI(opts.From, transport, local, isSecure(target))})
	req.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	for _, h := range opts.Headers {
		req.AppendHeader(sipmsg.NewHeader(h.Name, h.Value))
	}
	req.AppendHeader(sipmsg.NewHeader("Content-Type", "application/sdp"))
	req.SetBody(opts.SDP)
	return req, local
}

// invite runs the INVITE transaction(s) until a final answer.
func (s *Server) invite(ctx context.Context, req *sipmsg.Request, local, dest netip.AddrPort, opts DialOptions) (*ClientDialog, error) {
	authed := false
	for {
		sent := req.Clone()
		tx, err := s.client.TransactionRequest(context.Background(), sent, prebuilt)
		if err != nil {
			return nil, fmt.Errorf("sip: INVITE: %w", err)
		}
		res, err := s.awaitFinal(ctx, tx, sent, opts.OnProgress)
		if res != nil && res.IsSuccess() && err != nil { // a 2xx crossed our CANCEL
			s.byeCrossed(sent, res, tx, local, dest)
		}
		if err != nil {
			tx.Terminate()
			return nil, err
		}
		switch {
		case res.IsSuccess():
			return s.accept(sent, res, tx, local, dest)
		case (res.StatusCode == 401 || res.StatusCode == 407) && !authed && opts.Password != "":
			tx.Terminate()
			authed = true
			if err := authorize(req, res, opts.AuthUser, opts.Password); err != nil {
				return nil, err
			}
			renew(req)
			continue
		}
		tx.Terminate()
		return nil, &StatusError{Code: res.StatusCode, Reason: res.Reason}
	}
}

// awaitFinal waits for the INVITE's final response, reporting provisional
// ones; when ctx ends first it sends CANCEL and keeps waiting (a bounded
// time) for the final response, acknowledging and hanging up a 2xx that
// crossed the CANCEL.
func (s *Server) awaitFinal(ctx context.Context, tx sipmsg.ClientTransaction, inv *sipmsg.Request, onProgress func(Progress)) (*sipmsg.Response, error) {
	var cancelled <-chan time.Time
	done := ctx.Done()
	provisional := false
	for {
		select {
		case res := <-tx.Responses():
			touchResponse(res)
			if res.IsProvisional() {
				provisional = true
				if done == nil && cancelled != nil {
					continue
				}
				if onProgress != nil && ctx.Err() == nil {
					p := Progress{Code: res.StatusCode, Reason: res.Reason}
					if res.StatusCode > 100 && len(res.Body()) > 0 {
						p.SDP = res.Body()
					}
					onProgress(p)
				}
				if done == nil { // ctx ended before any provisional: CANCEL now
					s.sendCancel(inv)
					cancelled = time.After(64 * sipmsg.T1)
				}
				continue
			}
			if cancelled != nil || done == nil {
				return res, fmt.Errorf("sip: dial cancelled (%d): %w", res.StatusCode, ctx.Err())
			}
			return res, nil
		case <-tx.Done():
			if cancelled != nil || done == nil {
				return nil, fmt.Errorf("sip: dial cancelled: %w", ctx.Err())
			}
			return nil, fmt.Errorf("sip: INVITE: %w: %v", ErrNoAnswer, tx.Err())
		case <-done:
			done = nil
			if provisional { // RFC 3261 section 9.1: CANCEL only after a provisional
				s.sendCancel(inv)
				cancelled = time.After(64 * sipmsg.T1)
			}
		case <-cancelled:
			return nil, fmt.Errorf("sip: dial cancelled, no 487: %w", ctx.Err())
		}
	}
}

// sendCancel cancels our INVITE (RFC 3261 section 9.1) without waiting:
// its transaction's result does not matter, the INVITE's does.
func (s *Server) sendCancel(inv *sipmsg.Request) {
	c := sipmsg.NewRequest(sipmsg.CANCEL, *inv.Recipient.Clone())
	c.AppendHeader(inv.Via().Clone())
	for _, r := range inv.GetHeaders("Route") {
		c.AppendHeader(sipmsg.NewHeader("Route", r.Value()))
	}
	maxFwd := sipmsg.MaxForwardsHeader(70)
	c.AppendHeader(&maxFwd)
	from, to, cid := *inv.From(), *inv.To(), *inv.CallID()
	c.AppendHeader(&from)
	c.AppendHeader(&to)
	c.AppendHeader(&cid)
	c.AppendHeader(&sipmsg.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sipmsg.CANCEL})
	c.SetTransport(inv.Transport())
	c.SetDestination(inv.Destination())
	c.Laddr = inv.Laddr
	c.SetBody(nil)
	s.dials.Add(1) // inside Dial, so the count is not zero; Close waits for it
	go func() {
		defer s.dials.Done()
		ctx, cancel := context.WithTimeout(s.base, 64*sipmsg.T1)
		defer cancel()
		if _, err := s.doOut(ctx, c); err != nil {
			s.log.Debug("CANCEL", "call_id", callID(inv), "error", err)
		}
	}()
}

// byeCrossed acknowledges a 2xx that crossed our CANCEL and hangs it up.
func (s *Server) byeCrossed(inv *sipmsg.Request, res *sipmsg.Response, tx sipmsg.ClientTransaction, local, dest netip.AddrPort) {
	cd, err := s.accept(inv, res, tx, local, dest)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), autoHangupTimeout)
	defer cancel()
	cd.Hangup(ctx)
}
