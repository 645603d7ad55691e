package sip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// Hangup ends the call: a BYE if it was answered, waiting for the BYE's
// response until ctx ends (the BYE is sent even if ctx is already done), or
// 480 Temporarily Unavailable if it was not. The dialog then ends with cause
// "hangup" whatever the BYE's fate. Hangup on an ending or ended dialog does
// nothing and returns nil.
func (d *Dialog) Hangup(ctx context.Context) error {
	return d.hangup(ctx, CauseHangup)
}

func (d *Dialog) hangup(ctx context.Context, cause string) error {
	return d.terminate(ctx, 480, cause)
}

// terminate ends the dialog from our side: status (a failure code) if it is
// still early, BYE if it was answered. The BYE goes out before the dialog
// ends, so the handler's context is still live for it.
func (d *Dialog) terminate(ctx context.Context, status int, cause string) error {
	prev, ok := d.closing(stateAnswered, stateConfirmed)
	switch {
	case ok:
		err := d.bye(ctx)
		d.end(cause)
		return err
	case prev == stateEarly:
		err := d.reject(status, "", cause)
		if errors.Is(err, ErrAnswered) {
			return d.terminate(ctx, status, cause) // answered meanwhile: BYE instead
		}
		if errors.Is(err, ErrEnded) {
			return nil
		}
		return err
	}
	return nil // ending or ended already
}

// bye sends BYE and waits for its final response.
func (d *Dialog) bye(ctx context.Context) error {
	res, err := d.do(ctx, d.newRequest(sipmsg.BYE))
	if err != nil {
		return fmt.Errorf("sip: BYE: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("sip: BYE answered %d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// do sends an in-dialog request in a client transaction and returns its
// final response.
func (d *Dialog) do(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error) {
	return d.srv.transact(ctx, req)
}

// transact sends req in a client transaction and returns its final
// response, with its headers parsed once here (see touchResponse).
func (s *Server) transact(ctx context.Context, req *sipmsg.Request) (*sipmsg.Response, error) {
	tx, err := s.client.TransactionRequest(ctx, req, prebuilt)
	if err != nil {
		return nil, err
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			touchResponse(res)
			return res, nil
		case <-tx.Done():
			if err := tx.Err(); err != nil {
				return nil, err
			}
			return nil, errors.New("transaction ended without response")
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// prebuilt tells sipgo's client the request is complete as it is.
func prebuilt(*sipgo.Client, *sipmsg.Request) error { return nil }

// newRequest builds a request within the dialog (RFC 3261 section 12.2.1.1):
// Request-URI the remote target, Route the INVITE's Record-Route set, our
// next CSeq, and a Via that names our address as the peer sees it.
func (d *Dialog) newRequest(method sipmsg.RequestMethod) *sipmsg.Request {
	d.mu.Lock()
	d.localCSeq++
	cseq := d.localCSeq
	target := *d.remoteTarget.Clone()
	d.mu.Unlock()

	req := sipmsg.NewRequest(method, target)
	via := &sipmsg.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: d.transport,
		Host: d.local.Addr().String(), Port: int(d.local.Port()), Params: sipmsg.NewParams()}
	via.Params.Add("branch", sipmsg.GenerateBranch())
	via.Params.Add("rport", "")
	req.AppendHeader(via)
	for _, rr := range d.invite.GetHeaders("Record-Route") {
		req.AppendHeader(sipmsg.NewHeader("Route", rr.Value()))
	}
	maxFwd := sipmsg.MaxForwardsHeader(70)
	from, to := d.invite.To().AsFrom(), d.invite.From().AsTo()
	cid := sipmsg.CallIDHeader(d.callID)
	req.AppendHeader(&maxFwd)
	req.AppendHeader(&from)
	req.AppendHeader(&to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: cseq, MethodName: method})
	req.AppendHeader(d.contact())
	req.AppendHeader(sipmsg.NewHeader("User-Agent", d.srv.opts.UserAgent))
	req.SetTransport(d.transport)
	if dest := d.destination(target); dest != "" {
		req.SetDestination(dest)
	}
	if d.transport == "UDP" {
		req.Laddr = d.srv.udpLaddr() // leave from the listening socket
	}
	req.SetBody(nil)
	return req
}

// destination picks where an in-dialog request goes when there is no route
// set: over TCP the caller's own connection while it is open; over UDP the
// Contact, unless the Contact is a private or unroutable address other than
// the one the INVITE came from (a caller behind NAT), then the source.
// "" means: let sipgo follow the Route or the Request-URI.
func (d *Dialog) destination(target sipmsg.Uri) string {
	if d.invite.RecordRoute() != nil || !d.source.IsValid() {
		return ""
	}
	if d.transport != "UDP" {
		conn, err := d.srv.ua.TransportLayer().GetConnection(d.transport, d.source.String())
		if err != nil {
			return ""
		}
		conn.TryClose() // GetConnection took a reference
		return d.source.String()
	}
	ip, err := netip.ParseAddr(target.Host)
	if err != nil {
		return "" // a host name: resolve the Contact
	}
	if ip = ip.Unmap(); ip != d.source.Addr() && !routable(ip) {
		return d.source.String()
	}
	return ""
}

// cgnat is the shared address space of RFC 6598.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// routable reports whether ip can be reached from outside its own network.
func routable(ip netip.Addr) bool {
	return !(ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || cgnat.Contains(ip))
}
