// Package dtmf carries telephone keypresses (DTMF digits) in and out of a
// call's media:
//
//   - RFC 4733 telephone-event payloads: Event, ParseEvent and
//     Event.MarshalTo for the wire format; Receiver, which turns a packet
//     stream (with its repeats, losses and retransmissions) into exactly one
//     digit per key press; and Sender, which produces the packet sequence of
//     one key press, one packet per 20 ms frame.
//   - In-band DTMF in 8 kHz linear PCM: Detector, a Goertzel detector with
//     level, twist, frequency, relative-energy and duration checks, fed
//     20 ms frames.
//   - Test and utility helpers: Tone generates a key's dual tone and Goertzel
//     measures the level of one frequency, so other packages' tests can put
//     digits into audio and check which tones came out.
//
// Everything on the per-packet path (ParseEvent, MarshalTo, Receiver.Packet,
// Sender.Next, Detector.Feed) works in caller-owned memory and allocates
// nothing. The package must never block, start goroutines, keep global
// mutable state, or panic on any input from the network.
package dtmf
