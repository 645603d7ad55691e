package sdp

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, with the offending line or value as context.
var (
	// ErrMalformed reports a body that is not valid SDP.
	ErrMalformed = errors.New("sdp: malformed")
	// ErrNoAudio reports a valid body without a usable RTP audio stream
	// (no m=audio line, only rejected ones with port 0, or only SRTP).
	ErrNoAudio = errors.New("sdp: no audio stream")
	// ErrNoCodec reports an audio stream that offers no codec we support.
	// A UAS answers such an offer with 488 Not Acceptable Here.
	ErrNoCodec = errors.New("sdp: no common codec")
)
