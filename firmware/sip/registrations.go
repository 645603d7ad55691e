package sip

import (
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Binding is one live binding of a local account: where its phone
// is and until when.
type Binding struct {
	User      string         // the account
	Contact   string         // the Contact URI calls to it go to
	Source    netip.AddrPort // where its REGISTER came from
	Transport string         // udp, tcp or tls
	UserAgent string         // the phone's User-Agent ("" if it sent none)
	Expires   time.Time      // when the binding lapses unless refreshed
	Updated   time.Time      // its last REGISTER
}

// Phones returns the live bindings of every account, by user then
// contact.
func (s *Server) Phones() []Binding {
	reg, _ := s.registrar()
	if reg == nil {
		return nil
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	reg.sweepLocked()
	var out []Binding
	for user, bs := range reg.bindings {
		for _, b := range bs {
			out = append(out, Binding{User: user, Contact: b.contact, Source: b.source, Transport: b.transport,
				UserAgent: b.userAgent, Expires: b.expires, Updated: b.updated})
		}
	}
	slices.SortFunc(out, func(a, b Binding) int {
		if c := strings.Compare(a.User, b.User); c != 0 {
			return c
		}
		return strings.Compare(a.Contact, b.Contact)
	})
	return out
}

// maxUserAgent bounds the User-Agent kept per binding.
const maxUserAgent = 96

// userAgent is req's User-Agent, printable and cut short.
func userAgent(req *sipmsg.Request) string {
	h := req.GetHeader("User-Agent")
	if h == nil {
		return ""
	}
	ua := strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return -1
		}
		return r
	}, h.Value())
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	return ua
}
