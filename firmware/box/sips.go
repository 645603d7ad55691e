package box

import (
	"crypto/tls"

	"github.com/ivrbox/ivrbox/firmware/sip"
)

// DefaultSIPSAddr is where SIP over TLS listens unless Options.SIPSAddr
// says otherwise.
const DefaultSIPSAddr = ":5061"

// serverTLS is what SIP over TLS needs of the box's certificate: a server
// configuration that reads the current certificate at each handshake, so an
// uploaded or renewed one applies without a restart (certs.Manager).
type serverTLS interface{ ServerTLS() *tls.Config }

// sipOptions is how the box's SIP server listens: UDP and TCP on SIPAddr,
// TLS on SIPSAddr (":5061" when empty, none when "off") with the box's
// certificate, the connection bounds from the process's fd limit
// (netlimits.go).
func (b *Box) sipOptions(ua string) sip.Options {
	o := sip.Options{Addr: b.opt.SIPAddr, UserAgent: ua, Log: b.log.With("component", "sip"), Guard: b.Guard}
	b.sipBounds(&o)
	addr := b.opt.SIPSAddr
	if addr == "" {
		addr = DefaultSIPSAddr
	}
	if addr == "off" {
		return o
	}
	var certs serverTLS = b.Certs
	if b.Certs == nil || certs.ServerTLS() == nil {
		b.log.Warn("SIP over TLS off: no certificate")
		return o
	}
	o.TLSAddr, o.TLS = addr, certs.ServerTLS()
	return o
}
