package auth

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.etcd.io/bbolt"
)

// TokenPrefix starts every API token, so a leaked one is easy to spot.
const TokenPrefix = "ivb_"

// MaxTokens is the most tokens that can exist at once.
const MaxTokens = 100

// MaxTokenName is the longest token name, in characters.
const MaxTokenName = 64

// tokenTouchEvery is how stale LastUsed may get before a use writes it.
const tokenTouchEvery = time.Minute

// Token describes an API token (never the token itself).
type Token struct {
	ID       string     `json:"id"`        // public id, for listing and revoking
	Name     string     `json:"name"`      // what the admin called it
	Created  time.Time  `json:"created"`   // when it was made
	LastUsed *time.Time `json:"last_used"` // last use, to within a minute; nil if never
}

// checkName says what is wrong with a token name (nil if nothing).
func checkName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("%w: the name is empty", ErrBadName)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: not valid UTF-8", ErrBadName)
	case utf8.RuneCountInString(name) > MaxTokenName:
		return fmt.Errorf("%w: longer than %d characters", ErrBadName, MaxTokenName)
	case strings.ContainsFunc(name, unicode.IsControl):
		return fmt.Errorf("%w: contains a control character", ErrBadName)
	}
	return nil
}

// CreateToken makes a token called name and returns its description and the
// token itself, which is not stored and cannot be shown again.
func (s *Store) CreateToken(name string) (Token, string, error) {
	if err := checkName(name); err != nil {
		return Token{}, "", err
	}
	raw, err := s.random(8)
	if err != nil {
		return Token{}, "", err
	}
	sec, err := s.secret()
	if err != nil {
		return Token{}, "", err
	}
	tok := Token{ID: hex.EncodeToString(raw), Name: name, Created: s.now()}
	secret := TokenPrefix + sec
	err = s.update(func(b *bbolt.Bucket) error {
		tb, err := b.CreateBucketIfNotExists(keyTokens)
		if err != nil {
			return err
		}
		if tb.Stats().KeyN >= MaxTokens {
			return fmt.Errorf("%w: %d tokens exist; revoke one first", ErrTooMany, MaxTokens)
		}
		return putJSON(tb, digest(secret), tok)
	})
	if err != nil {
		return Token{}, "", err
	}
	return tok, secret, nil
}

// Tokens lists the tokens, oldest first.
func (s *Store) Tokens() ([]Token, error) {
	out := []Token{}
	err := s.view(func(b *bbolt.Bucket) error {
		return forTokens(b, func(_ []byte, t Token) error {
			out = append(out, t)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Token) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RevokeToken deletes the token with id; ErrNoToken if there is none. The
// token stops working at once.
func (s *Store) RevokeToken(id string) error {
	return s.update(func(b *bbolt.Bucket) error {
		var key []byte
		err := forTokens(b, func(k []byte, t Token) error {
			if t.ID == id {
				key = k
			}
			return nil
		})
		if err != nil {
			return err
		}
		if key == nil {
			return fmt.Errorf("%w: %q", ErrNoToken, id)
		}
		return b.Bucket(keyTokens).Delete(key)
	})
}

// CheckToken returns the token secret belongs to, recording its use;
// ErrNoToken if none does.
func (s *Store) CheckToken(secret string) (Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) {
		return Token{}, ErrNoToken
	}
	k, now := digest(secret), s.now()
	var tok Token
	var found bool
	err := s.view(func(b *bbolt.Bucket) error {
		if tb := b.Bucket(keyTokens); tb != nil {
			var err error
			found, err = getJSON(tb, k, &tok)
			return err
		}
		return nil
	})
	switch {
	case err != nil:
		return Token{}, err
	case !found:
		return Token{}, ErrNoToken
	case tok.LastUsed != nil && now.Sub(*tok.LastUsed) < tokenTouchEvery:
		return tok, nil
	}
	tok.LastUsed = &now
	err = s.update(func(b *bbolt.Bucket) error {
		tb := b.Bucket(keyTokens)
		if tb == nil || tb.Get(k) == nil {
			return ErrNoToken // revoked meanwhile
		}
		return putJSON(tb, k, tok)
	})
	if err != nil {
		return Token{}, err
	}
	return tok, nil
}

// forTokens calls fn for every stored token.
func forTokens(b *bbolt.Bucket, fn func(k []byte, t Token) error) error {
	tb := b.Bucket(keyTokens)
	if tb == nil {
		return nil
	}
	return tb.ForEach(func(k, v []byte) error {
		var t Token
		if _, err := getJSON(tb, k, &t); err != nil {
			return err
		}
		return fn(k, t)
	})
}
