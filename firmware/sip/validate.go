package sip

import (
	"net/netip"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Request validation (RFC 3261 sections 8.2 and 18.2.1): what every
// request that parsed is checked for before it is routed, and the
// received= parameter its responses carry.

// singleHeaders may appear once in a request (RFC 3261 section 7.3.1:
// their grammar allows no list).
var singleHeaders = []string{"To", "From", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type"}

// knownMethods are the methods of RFC 3261 and its extensions: one we do
// not serve gets 405 with Allow, any other 501 (RFC 3261 section 8.2.1).
var knownMethods = map[string]bool{"INVITE": true, "ACK": true, "BYE": true, "CANCEL": true,
	"OPTIONS": true, "REGISTER": true, "INFO": true, "REFER": true, "SUBSCRIBE": true, "NOTIFY": true,
	"MESSAGE": true, "PRACK": true, "UPDATE": true, "PUBLISH": true}

// validate returns the failure status for a request no method handler
// should see, or 0. An ACK is never answered, so it is only checked for
// what the dialog code needs.
func validate(req *sipmsg.Request) (code int, reason string, hdrs []sipmsg.Header) {
	if req.Via() == nil || req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		return 400, "Missing Via, From, To, Call-ID or CSeq", nil
	}
	if req.SipVersion != "SIP/2.0" {
		return 505, "", nil
	}
	if !strings.EqualFold(string(req.CSeq().MethodName), string(req.Method)) {
		return 400, "CSeq Method Mismatch", nil
	}
	for _, h := range singleHeaders {
		if len(req.GetHeaders(h)) > 1 {
			return 400, "More Than One " + h, nil
		}
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() > 255 {
		return 400, "Bad Max-Forwards", nil
	}
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips", "tel", "":
	default:
		return 416, "", nil
	}
	if req.Method == sipmsg.REGISTER { // an address-of-record is a SIP or SIPS URI (section 10.2)
		if sc := strings.ToLower(req.To().Address.Scheme); sc != "sip" && sc != "sips" {
			return 416, "", nil
		}
	}
	if req.IsAck() || req.IsCancel() || req.IsInvite() {
		return 0, "", nil // INVITE checks its Require itself (checkInvite)
	}
	if opts := required(req); len(opts) > 0 { // we support no extension (section 8.2.2.3)
		return 420, "", []sipmsg.Header{sipmsg.NewHeader("Unsupported", strings.Join(opts, ", "))}
	}
	return 0, "", nil
}

// required lists the option tags of a request's Require headers.
func required(req *sipmsg.Request) []string {
	var opts []string
	for _, h := range req.GetHeaders("Require") {
		for _, opt := range strings.Split(h.Value(), ",") {
			if opt = strings.TrimSpace(opt); opt != "" {
				opts = append(opts, opt)
			}
		}
	}
	return opts
}

// acceptsSDP reports whether an INVITE's Accept (if any) allows an SDP
// answer (RFC 3261 section 8.2.3: else 406).
func acceptsSDP(req *sipmsg.Request) bool {
	hs := req.GetHeaders("Accept")
	if len(hs) == 0 {
		return true
	}
	for _, h := range hs {
		for _, t := range strings.Split(h.Value(), ",") {
			t, _, _ = strings.Cut(t, ";")
			switch strings.ToLower(strings.TrimSpace(t)) {
			case "application/sdp", "application/*", "*/*", "":
				return true
			}
		}
	}
	return false
}

// markReceived adds received= to a request's top Via when its sent-by
// host is not the address the request came from (RFC 3261 section
// 18.2.1), so every response built from the request carries it.
func markReceived(req *sipmsg.Request) {
	via := req.Via()
	src, err := netip.ParseAddrPort(req.Source())
	if via == nil || err != nil {
		return
	}
	ip := src.Addr().Unmap()
	if sent, err := netip.ParseAddr(strings.Trim(via.Host, "[]")); err == nil && sent.Unmap() == ip {
		return
	}
	if via.Params == nil {
		via.Params = sipmsg.NewParams()
	}
	if v, ok := via.Params.Get("received"); ok && v != "" {
		return // sipgo set it (rport)
	}
	via.Params.Add("received", ip.String())
}

// methodStatus is the answer to a method no handler takes: 405 for a
// method we know, 501 for one we do not.
func methodStatus(method string) int {
	if knownMethods[strings.ToUpper(method)] {
		return 405
	}
	return 501
}
