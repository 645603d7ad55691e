package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"

	"github.com/ivrbox/ivrbox/firmware/guard"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Binding lifetimes a registrar grants (RFC 3261 section 10.3).
const (
	MinExpiry     = 60 * time.Second   // shorter requests get 423 Interval Too Brief
	MaxExpiry     = 3600 * time.Second // longer requests are cut to this
	DefaultExpiry = 3600 * time.Second // when the REGISTER names none
	nonceLifetime = 5 * time.Minute    // older nonces are answered stale=true
)

// Registrar holds the local SIP accounts the server registers. The box
// supplies it; Password is called for every authenticated REGISTER.
type Registrar interface {
	// Password returns user's password, false if there is no such account.
	Password(user string) (string, bool)
}

// registrar is the server's registrar state.
type registrar struct {
	accounts Registrar
	realm    string
	key      [32]byte // HMAC key for nonces, random per server
	now      func() time.Time
	nonces   nonceBook     // the nonces used, for their counts
	logGate  guard.LogGate // the refused REGISTERs' log lines

	mu       sync.Mutex                     // guards bindings
	bindings map[string]map[string]*binding // by user, then Contact URI
}

// binding is one registered Contact of a user.
type binding struct {
	contact   string
	source    netip.AddrPort
	transport string
	expires   time.Time
	updated   time.Time
	userAgent string // the phone's User-Agent, cut short (registrations.go)
}

// SetRegistrar makes the server a registrar for r's accounts: REGISTER
// requests are challenged (digest, MD5, qop=auth) and, once authenticated,
// bind the account to its Contact. With nil the server refuses REGISTER
// (405). Call it before Run or at any time; bindings survive a change of r.
func (s *Server) SetRegistrar(r Registrar) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reg == nil {
		reg := &registrar{realm: s.opts.Realm, now: time.Now, bindings: make(map[string]map[string]*binding)}
		if reg.realm == "" {
			reg.realm = "ivrbox"
		}
		if _, err := rand.Read(reg.key[:]); err != nil {
			s.log.Error("nonce key", "error", err) // crypto/rand does not fail on Linux
		}
		s.reg = reg
	}
	s.reg.mu.Lock()
	s.reg.accounts = r
	s.reg.mu.Unlock()
}

func (s *Server) registrar() (*registrar, Registrar) {
	s.mu.Lock()
	reg := s.reg
	s.mu.Unlock()
	if reg == nil {
		return nil, nil
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	return reg, reg.accounts
}

// Location returns where user is registered: the Contact URI (the
// Request-URI for calls to it), and the address to send those requests to,
// which is the address its REGISTER came from (rport, RFC 3581): behind a
// NAT that is the only address that reaches it, and otherwise it is the
// Contact's own. ok is false if user has no live binding; with several
// bindings the most recently refreshed one wins.
func (s *Server) Location(user string) (contact string, source netip.AddrPort, ok bool) {
	reg, _ := s.registrar()
	if reg == nil {
		return "", netip.AddrPort{}, false
	}
	reg.mu.Lock()
	defer reg.mu.Unlock()
	reg.expireLocked(user)
	var best *binding
	for _, b := range reg.bindings[user] {
		if best == nil || b.updated.After(best.updated) {
			best = b
		}
	}
	if best == nil {
		return "", netip.AddrPort{}, false
	}
	return best.contact, best.source, true
}

// boundFrom reports whether user has a live binding registered from src.
func (reg *registrar) boundFrom(user string, src netip.Addr) bool {
	now := reg.now()
	reg.mu.Lock()
	defer reg.mu.Unlock()
	for _, b := range reg.bindings[user] {
		if b.source.Addr().Unmap() == src && now.Before(b.expires) {
			return true
		}
	}
	return false
}

// expireLocked drops user's expired bindings. reg.mu must be held.
func (reg *registrar) expireLocked(user string) {
	now := reg.now()
	for c, b := range reg.bindings[user] {
		if !now.Before(b.expires) {
			delete(reg.bindings[user], c)
		}
	}
	if len(reg.bindings[user]) == 0 {
		delete(reg.bindings, user)
	}
}

// sweepLocked drops every expired binding. reg.mu must be held.
func (reg *registrar) sweepLocked() {
	for user := range reg.bindings {
		reg.expireLocked(user)
	}
}

// Nonces are base64(8-byte Unix time in nanoseconds || HMAC-SHA256(key,
// time)[:16]): the registrar verifies them without keeping state.

func (reg *registrar) nonce(t time.Time) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixNano()))
	m := hmac.New(sha256.New, reg.key[:])
	m.Write(b[:8])
	copy(b[8:], m.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

var (
	errNonce      = errors.New("bad nonce")
	errStaleNonce = errors.New("stale nonce")
)

// checkNonce verifies a nonce we issued and that it is still fresh.
func (reg *registrar) checkNonce(n string) error {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 24 {
		return errNonce
	}
	m := hmac.New(sha256.New, reg.key[:])
	m.Write(b[:8])
	if !hmac.Equal(m.Sum(nil)[:16], b[8:]) {
		return errNonce
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	if age := reg.now().Sub(issued); age < 0 || age > nonceLifetime {
		return errStaleNonce
	}
	return nil
}

// challenge is the WWW-Authenticate value for a fresh nonce.
func (reg *registrar) challenge(stale bool) string {
	c := fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, reg.realm, reg.nonce(reg.now()))
	if stale {
		c += ", stale=true"
	}
	return c
}

// dummyPassword stands in for unknown users so that checking their
// credentials costs what checking a real account's does.
const dummyPassword = "\x00no-such-account\x00"

// verify checks digest credentials for a request with method. It returns
// the authenticated user, or errStaleNonce (challenge again) or another
// error (403): errReplay for a nonce count already used. Unknown users and wrong passwords take the same path.
func (reg *registrar) verify(accounts Registrar, method string, cred *digest.Credentials) error {
	if err := reg.checkNonce(cred.Nonce); err != nil {
		return err
	}
	if cred.Realm != reg.realm {
		return fmt.Errorf("realm %q", cred.Realm)
	}
	if a := strings.ToUpper(cred.Algorithm); a != "" && a != "MD5" {
		return fmt.Errorf("algorithm %q", cred.Algorithm)
	}
	if err := reg.nonces.use(cred.Nonce, uint64(max(cred.Nc, 0)), cred.QOP != "", reg.now()); err != nil {
		return err
	}
	password, known := accounts.Password(cred.Username)
	if !known {
		password = dummyPassword
	}
	want := digestResponse(cred, method, password)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(cred.Response))) != 1 || !known {
		return errors.New("wrong credentials")
	}
	return nil
}

// digestResponse computes the MD5 digest response RFC 2617 defines for
// cred's parameters and password.
func digestResponse(cred *digest.Credentials, method, password string) string {
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	ha1 := h(cred.Username + ":" + cred.Realm + ":" + password)
	ha2 := h(method + ":" + cred.URI)
	if cred.QOP == "" {
		return h(ha1 + ":" + cred.Nonce + ":" + ha2)
	}
	return h(ha1 + ":" + cred.Nonce + ":" + fmt.Sprintf("%08x", cred.Nc) + ":" + cred.Cnonce + ":" + cred.QOP + ":" + ha2)
}

// requestExpiry reads the lifetime a Contact asks for: its expires
// parameter, else the Expires header, else DefaultExpiry.
func requestExpiry(c *sipmsg.ContactHeader, req *sipmsg.Request) (time.Duration, error) {
	v, ok := c.Params.Get("expires")
	if !ok {
		h := req.GetHeader("Expires")
		if h == nil {
			return DefaultExpiry, nil
		}
		v = h.Value()
	}
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("bad expires %q", clip(v))
	}
	return time.Duration(n) * time.Second, nil
}
