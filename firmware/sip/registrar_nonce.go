package sip

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"time"
)

// What the registrar remembers of the nonces it issued once they are used:
// each use must carry a higher nonce count (nc) than the last, and a nonce
// serves at most maxNonceUses times (then, like an expired one, it is
// answered stale=true). The book is bounded: when full, the oldest half of
// it is forgotten and every nonce issued before them is treated as stale,
// so forgetting never lets a replay through.
const (
	maxNonceUses  = 64
	maxNonceBook  = 4096
	nonceNoQOPUse = 1 // a nonce answered without qop (no nc) serves once
)

// errReplay reports a nonce count not above the last one seen.
var errReplay = errors.New("nonce count replayed")

// nonceBook tracks the used nonces.
type nonceBook struct {
	mu    sync.Mutex
	used  map[string]*nonceUse
	floor time.Time // nonces issued at or before it are stale
}

// nonceUse is one used nonce: when it was issued, its last nc, its uses.
type nonceUse struct {
	issued time.Time
	nc     uint64
	uses   int
}

// use records a use of nonce n (already verified as ours) with count nc
// (0 without qop): errReplay if nc is not above the last, errStaleNonce if
// the nonce was used up or forgotten.
func (b *nonceBook) use(n string, nc uint64, qop bool, now time.Time) error {
	issued := nonceTime(n)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !issued.After(b.floor) {
		return errStaleNonce
	}
	if b.used == nil {
		b.used = make(map[string]*nonceUse)
	}
	u := b.used[n]
	if u == nil {
		if len(b.used) >= maxNonceBook {
			b.sweepLocked(now.Add(-nonceLifetime))
		}
		if len(b.used) >= maxNonceBook {
			b.forgetOldestLocked()
		}
		u = &nonceUse{issued: issued}
		b.used[n] = u
	}
	limit := maxNonceUses
	if !qop {
		limit, nc = nonceNoQOPUse, uint64(u.uses)+1
	}
	switch {
	case u.uses >= limit:
		return errStaleNonce
	case nc <= u.nc:
		return errReplay
	}
	u.uses++
	u.nc = nc
	return nil
}

// forgetOldestLocked drops the older half of the book and raises the floor.
func (b *nonceBook) forgetOldestLocked() {
	times := make([]time.Time, 0, len(b.used))
	for _, u := range b.used {
		times = append(times, u.issued)
	}
	slices.SortFunc(times, time.Time.Compare)
	b.floor = times[len(times)/2]
	for n, u := range b.used {
		if !u.issued.After(b.floor) {
			delete(b.used, n)
		}
	}
}

// sweepLocked forgets the nonces issued before cutoff (expired anyway).
func (b *nonceBook) sweepLocked(cutoff time.Time) {
	for n, u := range b.used {
		if u.issued.Before(cutoff) {
			delete(b.used, n)
		}
	}
}

// nonceTime is when a nonce (verified by checkNonce) was issued.
func nonceTime(n string) time.Time {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) < 8 {
		return time.Time{}
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
}
