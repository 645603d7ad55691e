package record

import (
	"math"

	"github.com/ivrbox/ivrbox/media/stream"
)

// pcm is one frame of linear audio.
type pcm = [frameSamples]int16

// decodeIn decodes the caller's side of f into dst; silence when f is nil
// (a gap) or nothing was received.
func decodeIn(dst *pcm, f *stream.Frame) {
	if f == nil || !f.HasIn {
		*dst = pcm{}
		return
	}
	f.InPCM(dst[:])
}

// decodeOut decodes the box's side of f into dst; silence when f is nil or
// nothing was sent.
func decodeOut(dst *pcm, f *stream.Frame) {
	if f == nil || !f.HasOut {
		*dst = pcm{}
		return
	}
	f.OutPCM(dst[:])
}

// mix adds b into a, clipping to 16 bits.
func mix(a, b *pcm) {
	for i, s := range b {
		a[i] = int16(max(math.MinInt16, min(math.MaxInt16, int32(a[i])+int32(s))))
	}
}

// appendMono appends p to buf as 16-bit little-endian samples; buf has room.
func appendMono(buf []byte, p *pcm) []byte {
	n := len(buf)
	buf = buf[:n+2*frameSamples]
	dst := (*[2 * frameSamples]byte)(buf[n:])
	for i, s := range p {
		dst[2*i], dst[2*i+1] = byte(s), byte(s>>8)
	}
	return buf
}

// appendStereo appends l and r interleaved to buf; buf has room.
func appendStereo(buf []byte, l, r *pcm) []byte {
	n := len(buf)
	buf = buf[:n+4*frameSamples]
	dst := (*[4 * frameSamples]byte)(buf[n:])
	for i := range frameSamples {
		a, b := l[i], r[i]
		dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = byte(a), byte(a>>8), byte(b), byte(b>>8)
	}
	return buf
}

// quiet reports whether p's RMS level is under level.
func quiet(p *pcm, level int) bool {
	var e int64
	for _, s := range p {
		e += int64(s) * int64(s)
	}
	return e < int64(level)*int64(level)*frameSamples
}

// convert appends frame f (nil: a frame of silence) to the recording's
// buffers, which have room for it, and reports whether the caller was
// silent in it.
func (rec *Recording) convert(f *stream.Frame) (silent bool) {
	var in, out pcm
	decodeIn(&in, f)
	silent = rec.silenceFrames > 0 && (f == nil || !f.HasIn || quiet(&in, rec.level))
	t := rec.tracks
	switch rec.spec.Format {
	case Mixed:
		decodeOut(&out, f)
		mix(&in, &out)
		t[0].buf = appendMono(t[0].buf, &in)
	case Stereo:
		decodeOut(&out, f)
		t[0].buf = appendStereo(t[0].buf, &in, &out)
	case Split:
		decodeOut(&out, f)
		t[0].buf = appendMono(t[0].buf, &in)
		t[1].buf = appendMono(t[1].buf, &out)
	case In:
		t[0].buf = appendMono(t[0].buf, &in)
	}
	return silent
}
