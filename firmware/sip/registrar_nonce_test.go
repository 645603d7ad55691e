package sip

import (
	"errors"
	"testing"
	"time"
)

func TestNonceBook(t *testing.T) {
	reg := &registrar{now: time.Now}
	now := time.Now()
	n := reg.nonce(now)
	var b nonceBook
	if err := b.use(n, 1, true, now); err != nil {
		t.Fatal(err)
	}
	if err := b.use(n, 1, true, now); !errors.Is(err, errReplay) {
		t.Errorf("nc 1 again: %v, want errReplay", err)
	}
	for nc := uint64(2); nc <= maxNonceUses; nc++ {
		if err := b.use(n, nc, true, now); err != nil {
			t.Fatalf("nc %d: %v", nc, err)
		}
	}
	if err := b.use(n, maxNonceUses+1, true, now); !errors.Is(err, errStaleNonce) {
		t.Errorf("past %d uses: %v, want errStaleNonce", maxNonceUses, err)
	}
	once := reg.nonce(now.Add(time.Nanosecond))
	if b.use(once, 0, false, now) != nil || !errors.Is(b.use(once, 0, false, now), errStaleNonce) {
		t.Error("a nonce without qop served twice")
	}
}

func TestNonceBookBounded(t *testing.T) {
	reg := &registrar{now: time.Now}
	now := time.Now()
	var b nonceBook
	first := reg.nonce(now)
	_ = b.use(first, 1, true, now)
	for i := 1; i <= maxNonceBook; i++ {
		_ = b.use(reg.nonce(now.Add(time.Duration(i))), 1, true, now)
	}
	if len(b.used) > maxNonceBook {
		t.Errorf("book grew to %d", len(b.used))
	}
	if err := b.use(first, 1, true, now); !errors.Is(err, errStaleNonce) {
		t.Errorf("a forgotten nonce replayed: %v, want errStaleNonce", err)
	}
}
