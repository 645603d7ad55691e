// Package sdp reads and writes the small subset of SDP (RFC 4566, offer/answer
// per RFC 3264) that an ivrbox call needs: one audio stream of G.711 µ-law
// (PT 0) or A-law (PT 8), RFC 4733 telephone-event with the payload type the
// peer chose, 20 ms packets, and the stream direction used for hold.
//
// It wraps github.com/pion/sdp/v3 for parsing and reduces a description to a
// Media value; Negotiate picks our codec from an offer, Answer and Offer build
// the bodies we send.
//
// It must never panic or hang on input from the network: every failure is an
// error wrapping ErrMalformed, ErrNoAudio or ErrNoCodec, naming the offending
// line. It does no I/O and keeps no state.
package sdp
