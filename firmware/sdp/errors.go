package sdp

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, with the offending line or value as context.
var (
	// ErrMalformed reports a body that is not valid SDP.
	ErrMalformed = errors.New("sdp: malformed")
	// ErrNoAudio reports a valid body without a usable RTP audio stream
	// (no m=audio line, or only rejected ones with port 0).
	ErrNoAudio = errors.New("sdp: no audio stream")
	// ErrNoCodec reports an audio stream that offers no codec we support.
	// A UAS answers such an offer with 488 Not Acceptable Here.
	ErrNoCodec = errors.New("sdp: no common codec")
	// ErrCrypto reports a malformed a=crypto attribute (RFC 4568), or an
	// SRTP (RTP/SAVP) stream without one we can use. A UAS answers 488.
	ErrCrypto = errors.New("sdp: bad crypto attribute")
	// ErrUnsupported reports a well-formed a=crypto attribute that ivrbox
	// cannot use (another suite or key method, session parameters, several
	// keys). An offer's unusable attributes are skipped.
	ErrUnsupported = errors.New("sdp: unsupported crypto attribute")
)
