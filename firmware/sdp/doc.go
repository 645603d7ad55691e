// Package sdp reads and writes the small subset of SDP (RFC 4566, offer/answer
// per RFC 3264) that an ivrbox call needs: one audio stream of G.711 µ-law
// (PT 0) or A-law (PT 8), RFC 4733 telephone-event with the payload type the
// peer chose, 20 ms packets, the stream direction used for hold, and SRTP
// keys exchanged in the SDP itself (SDES, RFC 4568: a=crypto attributes in
// RTP/SAVP or, best effort, RTP/AVP streams; see Crypto).
//
// It wraps github.com/pion/sdp/v3 for parsing and reduces a description to a
// Media value; Negotiate picks our codec from an offer, Answer and Offer build
// the bodies we send.
//
// It must never panic or hang on input from the network: every failure is an
// error wrapping ErrMalformed, ErrNoAudio, ErrNoCodec, ErrCrypto or
// ErrUnsupported, naming the offending line. It does no I/O and keeps no
// state. Keys never appear in an error or a printed value (Key redacts
// itself).
package sdp
