package dtmf

// frameSamples is one 20 ms frame at 8 kHz, in RTP timestamp units.
const frameSamples = 160

// Receiver turns the telephone-event packets of one RTP stream into exactly
// one digit per key press. It reports a key on the first packet it sees of a
// new event (like Asterisk's DTMF begin), not at the end, so a caller
// hears the reaction to a key while still pressing it. The zero value is
// ready to use; a Receiver is not safe for concurrent use.
//
// An event is identified by its RTP timestamp (RFC 4733: all packets of one
// event carry the timestamp of its start). So:
//   - repeated packets of the event, including the usual three end packets,
//     retransmissions and a long press, report nothing more;
//   - the first packet seen may be an end packet (the start was lost): it
//     still reports the key;
//   - the same key pressed again arrives with a new timestamp and is a new
//     digit;
//   - late packets of an earlier event (older timestamp and sequence number)
//     are ignored;
//   - a long event split into segments (RFC 4733 section 2.5.1.3: a new
//     timestamp that continues the previous, unended event of the same key)
//     stays one digit.
type Receiver struct {
	active bool   // an event has been seen
	ended  bool   // an end packet of the current event has been seen
	key    byte   // key of the current event
	ts     uint32 // RTP timestamp of the current event (segment)
	seq    uint16 // highest sequence number seen for the current event
	dur    uint16 // longest duration seen for the current event (segment)
}

// Packet feeds one telephone-event packet with its RTP timestamp and
// sequence number, and returns the key when the packet starts a new key
// press.
func (r *Receiver) Packet(ts uint32, seq uint16, ev Event) (key byte, ok bool) {
	if r.active {
		switch {
		case ts == r.ts && ev.Key == r.key:
			r.update(seq, ev)
			return 0, false
		case ts != r.ts && r.stale(ts, seq):
			return 0, false
		case r.continues(ts, ev):
			r.ts, r.dur = ts, 0
			r.update(seq, ev)
			return 0, false
		}
	}
	*r = Receiver{active: true, ended: ev.End, key: ev.Key, ts: ts, seq: seq, dur: ev.Duration}
	return ev.Key, true
}

// Reset forgets the current event, for example when the stream's source
// changes.
func (r *Receiver) Reset() { *r = Receiver{} }

func (r *Receiver) update(seq uint16, ev Event) {
	if int16(seq-r.seq) > 0 {
		r.seq = seq
	}
	r.dur = max(r.dur, ev.Duration)
	r.ended = r.ended || ev.End
}

// stale reports a packet from before the current event: both its timestamp
// and its sequence number are older (serial-number arithmetic).
func (r *Receiver) stale(ts uint32, seq uint16) bool {
	return int32(ts-r.ts) < 0 && int16(seq-r.seq) < 0
}

// continues reports a new segment of a long, still unended event: the same
// key at a timestamp no later than one frame past the end of the duration
// seen so far. A real second press starts after a gap, so it is later.
func (r *Receiver) continues(ts uint32, ev Event) bool {
	if r.ended || ev.Key != r.key {
		return false
	}
	d := ts - r.ts
	return int32(d) > 0 && d <= uint32(r.dur)+frameSamples
}
