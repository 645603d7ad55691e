package stream

// Playout tuning.
const (
	// ringFrames is how much audio a ring keeps; when more arrives before
	// it is played out, the oldest is dropped, so the delay it adds never
	// exceeds this many frames.
	ringFrames = 6
	// playoutPrefill is how many frames a stream's playout buffer (the In
	// side of its sinks' frames) holds before it starts, or after an
	// underrun resumes, playing out: it absorbs network jitter.
	playoutPrefill = 2
)

// ring is a byte ring of audio in one codec, played out in frames once a
// prefill is buffered. Packets of any size go in; frames come out. It takes
// no lock: its user either owns it (a stream's playout buffer, on its
// shard) or guards it (a pipe).
type ring struct {
	buf    [ringFrames * frameSamples]byte
	r, n   int   // read offset, bytes buffered
	codec  Codec // codec of buf
	primed bool  // playout running
}

// push appends audio in codec c, dropping the oldest audio if the ring is
// full. A codec change drops what was buffered.
func (q *ring) push(b []byte, c Codec) {
	if c != q.codec {
		q.r, q.n, q.primed, q.codec = 0, 0, false, c
	}
	if len(b) > len(q.buf) {
		b = b[len(b)-len(q.buf):]
	}
	if over := q.n + len(b) - len(q.buf); over > 0 {
		q.r = (q.r + over) % len(q.buf)
		q.n -= over
	}
	w := (q.r + q.n) % len(q.buf)
	k := copy(q.buf[w:], b)
	copy(q.buf[:], b[k:])
	q.n += len(b)
}

// pop fills dst with the oldest buffered audio and returns its codec; false
// while fewer than prefill frames of dst's length have been buffered since
// the start or the last underrun.
func (q *ring) pop(dst []byte, prefill int) (Codec, bool) {
	if q.n >= prefill*len(dst) {
		q.primed = true
	}
	if !q.primed || q.n < len(dst) {
		q.primed = false
		return q.codec, false
	}
	k := copy(dst, q.buf[q.r:])
	copy(dst[k:], q.buf[:])
	q.r = (q.r + len(dst)) % len(q.buf)
	q.n -= len(dst)
	return q.codec, true
}

// reset empties the ring.
func (q *ring) reset() { q.r, q.n, q.primed = 0, 0, false }

// playIn fills dst with the next frame of received audio from the
// stream's playout buffer, in codec c, and reports whether it did; else
// dst is silence. Audio buffered in another codec is dropped.
func (m *media) playIn(dst []byte, c Codec) bool {
	from, ok := m.playout.pop(dst, playoutPrefill)
	if ok && from != c {
		m.playout.reset()
		ok = false
	}
	if !ok {
		fillSilence(dst, c)
	}
	return ok
}

// fillSilence fills b with the silence of codec c.
func fillSilence(b []byte, c Codec) {
	s := c.silence()
	for i := range b {
		b[i] = s
	}
}
