package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/icholy/digest"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Requests we originate outside any dialog (REGISTER, INVITE) go out from
// the listening socket over UDP, so replies and later requests from the
// peer come back to the port we listen on (symmetric signalling).

var errNoChallenge = errors.New("no usable digest challenge")

// transportOf normalises a transport name; empty means UDP.
func transportOf(t string) (string, error) {
	switch strings.ToUpper(t) {
	case "", "UDP":
		return "UDP", nil
	case "TCP":
		return "TCP", nil
	case "TLS":
		return "TLS", nil
	}
	return "", fmt.Errorf("sip: unsupported transport %q", t)
}

// resolve turns host:port (port defaulting to 5060) into an address.
func resolve(ctx context.Context, hostport string) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, "5060"
	}
	host = strings.Trim(host, "[]")
	if ip, err := netip.ParseAddr(host); err == nil {
		ap, err := netip.ParseAddrPort(net.JoinHostPort(ip.Unmap().String(), port))
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("sip: bad address %q: %w", hostport, err)
		}
		return ap, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("sip: resolve %q: %w", host, err)
	}
	ap, err := netip.ParseAddrPort(net.JoinHostPort(ips[0].Unmap().String(), port))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("sip: bad address %q: %w", hostport, err)
	}
	return ap, nil
}

// outRequest builds the skeleton of a request we originate towards dest:
// Via naming our address as dest reaches us (with rport), Max-Forwards,
// User-Agent, the transport, the destination and, over UDP, the listening
// socket as the sending one. The caller adds From, To, Call-ID, CSeq and
// Contact.
func (s *Server) outRequest(method sipmsg.RequestMethod, ruri sipmsg.Uri, transport string, dest netip.AddrPort) (*sipmsg.Request, netip.AddrPort) {
	local := s.localAddr(transport, dest)
	req := sipmsg.NewRequest(method, ruri)
	req.AppendHeader(newVia(transport, local))
	maxFwd := sipmsg.MaxForwardsHeader(70)
	req.AppendHeader(&maxFwd)
	req.AppendHeader(sipmsg.NewHeader("User-Agent", s.opts.UserAgent))
	req.SetTransport(transport)
	req.SetDestination(dest.String())
	if transport == "UDP" {
		req.Laddr = s.udpLaddr()
	}
	return req, local
}

// newVia returns a Via for local with a fresh branch and rport.
func newVia(transport string, local netip.AddrPort) *sipmsg.ViaHeader {
	via := &sipmsg.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: transport,
		Host: local.Addr().String(), Port: int(local.Port()), Params: sipmsg.NewParams()}
	via.Params.Add("branch", sipmsg.GenerateBranch())
	via.Params.Add("rport", "")
	return via
}

// contactURI is our Contact for user at local: over TLS a sips: URI when
// the dialog's Request-URI is one (secure), else sip: with transport=tls.
func contactURI(user, transport string, local netip.AddrPort, secure bool) sipmsg.Uri {
	uri := sipmsg.Uri{Scheme: "sip", User: user, Host: local.Addr().String(), Port: int(local.Port())}
	switch {
	case transport == "TLS" && secure:
		uri.Scheme = "sips"
	case transport != "UDP":
		uri.UriParams = sipmsg.NewParams()
		uri.UriParams.Add("transport", sipmsg.NetworkToLower(transport))
	}
	return uri
}

// isSecure reports whether u is a sips: URI.
func isSecure(u sipmsg.Uri) bool { return strings.EqualFold(u.Scheme, "sips") }

// renew prepares req for sending again (after a challenge): next CSeq and
// a new Via branch.
func renew(req *sipmsg.Request) {
	req.CSeq().SeqNo++
	if via := req.Via(); via != nil {
		via.Params.Add("branch", sipmsg.GenerateBranch())
	}
}

// authorize answers a 401 or 407 challenge in res by adding Authorization
// or Proxy-Authorization to req (which must not be in flight).
func authorize(req *sipmsg.Request, res *sipmsg.Response, user, password string) error {
	chName, crName := "WWW-Authenticate", "Authorization"
	if res.StatusCode == 407 {
		chName, crName = "Proxy-Authenticate", "Proxy-Authorization"
	}
	h := res.GetHeader(chName)
	if h == nil {
		return fmt.Errorf("sip: %d: %w: no %s", res.StatusCode, errNoChallenge, chName)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		return fmt.Errorf("sip: %d: %w: %v", res.StatusCode, errNoChallenge, err)
	}
	chal.Algorithm = strings.ToUpper(chal.Algorithm)
	cred, err := digest.Digest(chal, digest.Options{Method: req.Method.String(), URI: req.Recipient.String(),
		Username: user, Password: password})
	if err != nil {
		return fmt.Errorf("sip: %d: %w: %v", res.StatusCode, errNoChallenge, err)
	}
	req.RemoveHeader(crName)
	req.AppendHeader(sipmsg.NewHeader(crName, cred.String()))
	return nil
}

// touchResponse parses every header this package reads from a response, so
// reads from several goroutines do not race on sipgo's lazy parsing.
func touchResponse(r *sipmsg.Response) {
	r.Via()
	r.From()
	r.To()
	r.CallID()
	r.CSeq()
	r.Contact()
	r.ContentType()
	r.RecordRoute()
}
