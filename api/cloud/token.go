package cloud

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"time"
)

// NewToken returns a fresh raw API token in the seed's form: 36
// characters, 8-4-4-4-12 lower-case hex digits, 122 random bits.
func NewToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("cloud: token: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // variant 10
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

// HashToken is the form a token is stored in: the lower-case hex SHA-256
// of the raw token.
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// sameHash compares two stored hashes in constant time.
func sameHash(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Subscription is one application server's subscription to the box's
// events: where to POST them and which.
type Subscription struct {
	// ID names the subscription.
	ID string `json:"id"`
	// URL is where events are POSTed (http or https).
	URL string `json:"url"`
	// Topics are the event topics wanted: TopicIVR, TopicCall.
	Topics []string `json:"topics"`
	// Namespace is the box's namespace (the only one a box has); "" follows
	// the box's namespace when the admin changes it.
	Namespace string `json:"namespace"`
	// Secret, when set, signs each delivery (HMAC-SHA256); it is never
	// listed, only HasSecret.
	Secret string `json:"secret,omitempty"`
	// HasSecret says a secret is set.
	HasSecret bool `json:"hasSecret"`
	// Created is when it was made.
	Created time.Time `json:"created"`
	// Pending, Delivered and Failed are its outbox's counts: events
	// stored and not yet delivered, events delivered, failed attempts.
	Pending   int    `json:"pending"`
	Delivered uint64 `json:"delivered"`
	Failed    uint64 `json:"failed"`
	// LastError is the last delivery failure, if any.
	LastError string `json:"lastError,omitempty"`
}

// The event topics.
const (
	TopicIVR  = "ivr"
	TopicCall = "call"
)
