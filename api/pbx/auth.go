package pbx

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// Token and login limits.
const (
	// TokenLifetime is how long a token lives after its login or its last
	// heartbeat. Other requests do not extend it.
	TokenLifetime = 30 * time.Minute
	// MaxTokens is the number of live tokens kept; a login beyond it drops
	// the token closest to expiry.
	MaxTokens = 64
	// LoginFailLimit failed logins from one address within LoginFailWindow
	// (counted from the first of them) block that address for LoginBlock.
	LoginFailLimit = 5
	// LoginFailWindow: see LoginFailLimit.
	LoginFailWindow = 10 * time.Minute
	// LoginBlock: see LoginFailLimit. While blocked, every login from the
	// address is refused with ErrnoBlocked, even with the right password.
	LoginBlock = 10 * time.Minute

	// maxAddrs bounds the addresses whose failures are remembered.
	maxAddrs = 1024
	// expiredKeep is how long an expired token is remembered, so that it is
	// answered ErrnoTokenExpired rather than ErrnoNoToken.
	expiredKeep = 24 * time.Hour
)

// token is one issued token.
type token struct {
	expires time.Time
	cred    [sha256.Size]byte // the user and password it was issued for
}

// failures counts the failed logins of one address.
type failures struct {
	count   int
	first   time.Time // first failure of the current window
	blocked time.Time // blocked until; zero when not blocked
}

// authState holds the tokens and the failed-login counters.
type authState struct {
	now func() time.Time
	log *slog.Logger

	mu     sync.Mutex
	tokens map[string]*token
	fails  map[string]*failures
}

func newAuthState(now func() time.Time, log *slog.Logger) *authState {
	return &authState{now: now, log: log, tokens: map[string]*token{}, fails: map[string]*failures{}}
}

// credOf identifies the API user and password a token is valid for.
func credOf(c config.API) [sha256.Size]byte {
	return sha256.Sum256([]byte(c.User + "\x00" + c.PasswordMD5))
}

// checkPassword reports whether user and passwordMD5 match c, in constant
// time. An empty c.User (PBX API off) matches nothing.
func checkPassword(c config.API, user, passwordMD5 string) bool {
	hu, wu := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(c.User))
	hp, wp := sha256.Sum256([]byte(strings.ToLower(passwordMD5))), sha256.Sum256([]byte(c.PasswordMD5))
	ok := subtle.ConstantTimeCompare(hu[:], wu[:]) & subtle.ConstantTimeCompare(hp[:], wp[:])
	return ok == 1 && c.User != "" && c.PasswordMD5 != ""
}

// blocked reports whether addr is blocked now.
func (s *authState) blocked(addr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.fails[addr]
	return f != nil && s.now().Before(f.blocked)
}

// failed counts a failed login from addr and starts a block (logged once)
// when it is the LoginFailLimit-th within the window.
func (s *authState) failed(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	f := s.fails[addr]
	if f == nil {
		s.pruneFails(now)
		f = &failures{}
		s.fails[addr] = f
	}
	if f.count == 0 || now.Sub(f.first) > LoginFailWindow {
		f.count, f.first = 0, now
	}
	f.count++
	if f.count >= LoginFailLimit {
		f.blocked = now.Add(LoginBlock)
		f.count = 0
		s.log.Warn("pbx api: address blocked after failed logins",
			"addr", addr, "failures", LoginFailLimit, "until", f.blocked.UTC().Format(time.RFC3339))
	}
}

// pruneFails forgets stale counters, and the oldest ones when there are
// still too many. Callers hold s.mu.
func (s *authState) pruneFails(now time.Time) {
	if len(s.fails) < maxAddrs {
		return
	}
	var oldest string
	var oldestT time.Time
	for a, f := range s.fails {
		if now.After(f.blocked) && now.Sub(f.first) > LoginFailWindow {
			delete(s.fails, a)
			continue
		}
		if oldest == "" || f.first.Before(oldestT) {
			oldest, oldestT = a, f.first
		}
	}
	if len(s.fails) >= maxAddrs {
		delete(s.fails, oldest)
	}
}

// succeeded forgets the failures of addr.
func (s *authState) succeeded(addr string) {
	s.mu.Lock()
	delete(s.fails, addr)
	s.mu.Unlock()
}

// issue makes a new token for cred.
func (s *authState) issue(cred [sha256.Size]byte) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("pbx: token: %w", err)
	}
	tok := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for len(s.tokens) >= MaxTokens {
		var drop string
		var dropT time.Time
		for t, v := range s.tokens {
			if drop == "" || v.expires.Before(dropT) {
				drop, dropT = t, v.expires
			}
		}
		delete(s.tokens, drop)
	}
	s.tokens[tok] = &token{expires: now.Add(TokenLifetime), cred: cred}
	return tok, nil
}

// check returns "" when tok is live for cred, else its errno. A token of
// another user or password is forgotten.
func (s *authState) check(tok string, cred [sha256.Size]byte) string {
	if tok == "" {
		return ErrnoTokenBlank
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[tok]
	if t == nil {
		return ErrnoNoToken
	}
	if subtle.ConstantTimeCompare(t.cred[:], cred[:]) != 1 {
		delete(s.tokens, tok)
		return ErrnoNoToken
	}
	now := s.now()
	if !now.Before(t.expires) {
		if now.Sub(t.expires) > expiredKeep {
			delete(s.tokens, tok)
			return ErrnoNoToken
		}
		return ErrnoTokenExpired
	}
	return ""
}

// refresh extends a live token by TokenLifetime from now.
func (s *authState) refresh(tok string) {
	s.mu.Lock()
	if t := s.tokens[tok]; t != nil {
		t.expires = s.now().Add(TokenLifetime)
	}
	s.mu.Unlock()
}

// revoke forgets tok.
func (s *authState) revoke(tok string) {
	s.mu.Lock()
	delete(s.tokens, tok)
	s.mu.Unlock()
}

// reset forgets every token.
func (s *authState) reset() {
	s.mu.Lock()
	clear(s.tokens)
	s.mu.Unlock()
}
