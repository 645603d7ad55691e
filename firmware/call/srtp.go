package call

import (
	"fmt"
	"net/netip"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/media/stream"
)

// srtpKeys is the SRTP (SDES) state of a call's own leg; guarded by
// Call.mu. Keys are never logged (sdp.Key redacts itself).
type srtpKeys struct {
	// policy is the leg's config.Encryption* setting: the system's for a
	// call placed to the box, the trunk's (or the system's, for a local
	// account) for one the box places.
	policy string
	// offered are the keys of our last offer (a call we place, a late
	// offer), kept to match the answer's tag.
	offered []sdp.Crypto
	// on: the leg is SRTP, with ours (what we send with, told the peer)
	// and theirs (the peer's).
	on           bool
	ours, theirs sdp.Crypto
}

// answerKeys applies policy to a negotiated offer (or re-INVITE offer):
// which of its keys we take and our own key for it, or an error wrapping
// sdp.ErrCrypto that the caller answers with 488. A re-offer of the same
// suite keeps our key (prev).
func answerKeys(policy string, m sdp.Media, prev srtpKeys) (srtpKeys, error) {
	k := srtpKeys{policy: policy}
	switch {
	case policy == config.EncryptionOff && m.Secure():
		return k, fmt.Errorf("%w: SRTP (%s) offered and media encryption is off", sdp.ErrCrypto, m.Profile)
	case policy == config.EncryptionOff:
		return k, nil // best-effort keys in an RTP/AVP offer: answered plain
	case len(m.Crypto) == 0 && policy == config.EncryptionRequired:
		return k, fmt.Errorf("%w: plain RTP offered and media encryption is required", sdp.ErrCrypto)
	case len(m.Crypto) == 0:
		return k, nil
	}
	k.on, k.theirs = true, m.Crypto[0]
	if prev.on && prev.ours.Suite == k.theirs.Suite {
		k.ours = prev.ours
		k.ours.Tag = k.theirs.Tag
		return k, nil
	}
	ours, _, _, err := sdp.AnswerCrypto(m)
	if err != nil {
		return k, err
	}
	k.ours = ours
	return k, nil
}

// offerKeys makes our offer under policy: plain, best effort (RTP/AVP
// with keys) or RTP/SAVP, and the keys it carries.
func offerKeys(policy string, local netip.AddrPort, sessID, version uint64) ([]byte, []sdp.Crypto, error) {
	if policy != config.EncryptionOptional && policy != config.EncryptionRequired {
		return sdp.Offer(local, sessID, version), nil, nil
	}
	offered, err := sdp.OfferCrypto()
	if err != nil {
		return nil, nil, err
	}
	if policy == config.EncryptionRequired {
		return sdp.Offer(local, sessID, version, offered...), offered, nil
	}
	return sdp.OfferBestEffort(local, sessID, version, offered), offered, nil
}

// acceptKeys matches the peer's answer to our offer under policy: the
// keys to use, none for a plain answer where plain is allowed, or an error
// wrapping sdp.ErrCrypto (the leg is then hung up with 488 semantics).
func acceptKeys(policy string, offered []sdp.Crypto, m sdp.Media) (srtpKeys, error) {
	k := srtpKeys{policy: policy, offered: offered}
	if len(offered) == 0 {
		if m.Secure() {
			return k, fmt.Errorf("%w: SRTP (%s) answer to a plain offer", sdp.ErrCrypto, m.Profile)
		}
		return k, nil
	}
	ours, theirs, ok, err := sdp.Accepted(offered, m)
	switch {
	case err != nil:
		return k, err
	case !ok && policy == config.EncryptionRequired:
		return k, fmt.Errorf("%w: plain RTP answer and media encryption is required", sdp.ErrCrypto)
	case !ok:
		return k, nil
	}
	k.on, k.ours, k.theirs = true, ours, theirs
	return k, nil
}

// streamCrypto is what the stream needs of k: nil for plain RTP.
func (k srtpKeys) streamCrypto() *stream.Crypto {
	if !k.on {
		return nil
	}
	suite := stream.AES128SHA1_80
	if k.ours.Suite == sdp.SuiteAES32 {
		suite = stream.AES128SHA1_32
	}
	return &stream.Crypto{Suite: suite, Send: k.ours.Key, Recv: k.theirs.Key, RecvMKI: k.theirs.MKIBytes()}
}

// answerCrypto is our key for the SDP answer, none for plain RTP.
func (k srtpKeys) answerCrypto() []sdp.Crypto {
	if !k.on {
		return nil
	}
	return []sdp.Crypto{k.ours}
}

// setKeys makes k the call's SRTP state and applies it to the stream.
func (c *Call) setKeys(k srtpKeys) error {
	c.mu.Lock()
	c.srtp = k
	st := c.st
	c.mu.Unlock()
	if st == nil {
		return nil
	}
	if err := st.SetCrypto(k.streamCrypto()); err != nil {
		return fmt.Errorf("srtp: %w", err)
	}
	return nil
}

// Encrypted reports whether the call's own leg is SRTP.
func (c *Call) Encrypted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.srtp.on
}
