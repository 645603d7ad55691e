package stream

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/pion/srtp/v3"
)

// Suite is an SRTP protection profile (RFC 3711) keyed by SDES.
type Suite uint8

// The suites a stream can use.
const (
	// AES128SHA1_80 is AES_CM_128_HMAC_SHA1_80: AES-128 counter mode and
	// an 80-bit HMAC-SHA1 tag.
	AES128SHA1_80 Suite = iota + 1
	// AES128SHA1_32 is AES_CM_128_HMAC_SHA1_32: the same with a 32-bit tag.
	AES128SHA1_32
)

// replayWindow is the SRTP replay window, in packets (RFC 3711 section
// 3.3.2 asks for at least 64).
const replayWindow = 128

// Crypto is the SRTP keying of a stream: what it encrypts with and what
// the peer encrypts with. Keys are master key and salt together (30 bytes
// for both suites). The zero value is not valid; a nil *Crypto is plain RTP.
type Crypto struct {
	Suite Suite
	// Send is our master key||salt, the one we told the peer.
	Send []byte
	// Recv is the peer's master key||salt, from its SDP.
	Recv []byte
	// RecvMKI is the master key identifier the peer appends to each
	// packet (from its a=crypto); nil: none.
	RecvMKI []byte
}

// secure is a stream's SRTP state. The contexts are used by the shard
// goroutine only; key and suite never change once made.
type secure struct {
	suite   Suite
	sendKey []byte
	tx, rx  *srtp.Context
	// overhead is what SRTP adds to each packet: tag and MKI.
	overhead int
	// buf holds one packet, decrypted (in) or encrypted (out); the shard
	// uses it for one packet at a time.
	buf [maxPacket + 16]byte
}

// profile maps a Suite to pion's profile and its tag length.
func (su Suite) profile() (srtp.ProtectionProfile, int, error) {
	switch su {
	case AES128SHA1_80:
		return srtp.ProtectionProfileAes128CmHmacSha1_80, 10, nil
	case AES128SHA1_32:
		return srtp.ProtectionProfileAes128CmHmacSha1_32, 4, nil
	}
	return 0, 0, fmt.Errorf("%w: suite %d", ErrCrypto, su)
}

// newSecure makes the contexts for c, keeping prev's sending context when
// the suite and our key are the same (a re-INVITE that changes only the
// peer's key must not restart our packet index under the same key).
func newSecure(c *Crypto, prev *secure) (*secure, error) {
	p, tag, err := c.Suite.profile()
	if err != nil {
		return nil, err
	}
	const keyLen, saltLen = 16, 14
	if len(c.Send) != keyLen+saltLen || len(c.Recv) != keyLen+saltLen {
		return nil, fmt.Errorf("%w: keys of %d and %d bytes, want %d", ErrCrypto, len(c.Send), len(c.Recv), keyLen+saltLen)
	}
	sec := &secure{suite: c.Suite, sendKey: bytes.Clone(c.Send), overhead: tag + len(c.RecvMKI)}
	if prev != nil && prev.suite == c.Suite && bytes.Equal(prev.sendKey, c.Send) {
		sec.tx = prev.tx
	} else if sec.tx, err = srtp.CreateContext(c.Send[:keyLen], c.Send[keyLen:], p); err != nil {
		return nil, fmt.Errorf("%w: send context: %w", ErrCrypto, err)
	}
	opts := []srtp.ContextOption{srtp.SRTPReplayProtection(replayWindow), srtp.SRTCPReplayProtection(replayWindow)}
	if len(c.RecvMKI) > 0 {
		opts = append(opts, srtp.MasterKeyIndicator(c.RecvMKI))
	}
	if sec.rx, err = srtp.CreateContext(c.Recv[:keyLen], c.Recv[keyLen:], p, opts...); err != nil {
		return nil, fmt.Errorf("%w: receive context: %w", ErrCrypto, err)
	}
	return sec, nil
}

// SetCrypto turns SRTP on with c's keys (nil: plain RTP) from the next
// packet on. Received packets that fail authentication or replay checks
// are dropped and counted (Stats.AuthFailed, Stats.Replayed), never
// played. Sinks (recordings, forks, bridges, conferences) always see the
// decrypted audio. RTCP is not sent, and received RTCP (SRTCP) is read and
// discarded as for plain RTP.
func (s *Stream) SetCrypto(c *Crypto) error {
	s.mu.Lock()
	prev := s.secure
	s.mu.Unlock()
	var sec *secure
	if c != nil {
		var err error
		if sec, err = newSecure(c, prev); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.secure, s.secureSet = sec, true
	s.mu.Unlock()
	return nil
}

// Encrypted reports whether the stream uses SRTP.
func (s *Stream) Encrypted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.secure != nil
}

// decrypt authenticates and decrypts a received SRTP packet into the
// stream's buffer. ok is false for a packet that is dropped (counted).
func (s *Stream) decrypt(sec *secure, b []byte) ([]byte, bool) {
	m := &s.media
	if !headerOK(b) || len(b) < headerLen+sec.overhead {
		s.stats.invalid.Add(1) // checked here: pion's errors for these allocate
		return nil, false
	}
	out, err := sec.rx.DecryptRTP(sec.buf[:0], b, &m.hdr)
	if err != nil {
		if errors.Is(err, srtp.ErrFailedToVerifyAuthTag) || errors.Is(err, srtp.ErrMKINotFound) {
			s.stats.authFailed.Add(1)
		} else {
			s.stats.replayed.Add(1)
		}
		return nil, false
	}
	return out, true
}

// encrypt protects the plain packet p (its header is m.hdrOut) into the
// stream's buffer.
func (s *Stream) encrypt(sec *secure, p []byte) ([]byte, error) {
	return sec.tx.EncryptRTP(sec.buf[:0], p, &s.media.hdrOut)
}
