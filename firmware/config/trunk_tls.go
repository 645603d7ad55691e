package config

import (
	"crypto/x509"
	"encoding/pem"
	"strconv"
)

// MaxCAPEM is the size limit of Trunk.CAPEM, in bytes.
const MaxCAPEM = 64 << 10

// trunkTransport checks a trunk's transport and, over TLS, its CA: PEM
// CERTIFICATE blocks that parse, nothing else (a private key pasted by
// mistake is refused, not stored).
func (v *validator) trunkTransport(p string, t Trunk) {
	switch t.Transport {
	case "", TransportUDP, TransportTCP, TransportTLS:
	default:
		v.add(p+".transport", "%q must be udp, tcp or tls", t.Transport)
		return
	}
	if t.CAPEM == "" {
		return
	}
	if t.Net() != TransportTLS {
		v.add(p+".ca_pem", "is only for transport tls")
		return
	}
	if msg := caProblem(t.CAPEM); msg != "" {
		v.add(p+".ca_pem", "%s", msg)
	}
}

// caProblem says what is wrong with a CA PEM, "" if nothing.
func caProblem(s string) string {
	if len(s) > MaxCAPEM {
		return "is longer than 64 KiB"
	}
	rest, n := []byte(s), 0
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return "holds a " + b.Type + " block; only CERTIFICATE blocks (the CA's certificate, never a key)"
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "certificate " + strconv.Itoa(n+1) + " does not parse: " + err.Error()
		}
		n++
	}
	if n == 0 {
		return "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
	}
	return ""
}
