package prompt

import "fmt"

// The MP3 decoder (go-mp3 v0.3.4) computes the size of an MPEG-2 ("low
// sampling frequency") Layer III frame as (144·bitrate/rate + padding) >> 1,
// which drops the padding byte: every padded frame is read one byte short,
// the bit reservoir loses a byte, and the audio becomes noise. 22.05 kHz
// streams (common text-to-speech output) pad every other frame.
//
// repackLSF rewrites such a stream into one that decodes to exactly the same
// audio and has no padded frames: it takes each frame's main data out of the
// reservoir and packs it again into unpadded frames, raising a frame's
// bitrate index where the byte it lost is needed, and drops CRCs. Streams that
// are MPEG-1, or MPEG-2 without padding, are returned unchanged.

// lsfKbps are the MPEG-2 Layer III bitrates by index (0: free format).
var lsfKbps = [15]int{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160}

// lsfRates are the MPEG-2 sample rates by index.
var lsfRates = [3]int{22050, 24000, 16000}

// lsfFrame is one MPEG-2 Layer III frame of the input.
type lsfFrame struct {
	hdr      [4]byte
	side     []byte // side information, 9 (mono) or 17 bytes
	mainFrom int    // start of its main data in the input reservoir
	mainLen  int    // bytes of main data
}

// lsfHeader reports whether b starts with an MPEG-2 Layer III frame header
// with a usable bitrate and sample rate.
func lsfHeader(b []byte) bool {
	return len(b) >= 4 && b[0] == 0xFF && b[1]&0xFE == 0xF2 && // sync, MPEG-2, Layer III
		b[2]>>4 != 0 && b[2]>>4 != 15 && (b[2]>>2)&3 != 3
}

// lsfSizes returns the total, header (with CRC) and side-information sizes
// of the frame whose header is b.
func lsfSizes(b []byte, kbpsIndex int, padding bool) (total, hdr, side int) {
	total = 72000 * lsfKbps[kbpsIndex] / lsfRates[(b[2]>>2)&3]
	if padding {
		total++
	}
	hdr, side = 4, 17
	if b[1]&1 == 0 {
		hdr += 2 // CRC
	}
	if b[3]>>6 == 3 {
		side = 9 // mono
	}
	return total, hdr, side
}

// repackLSF returns data (an MP3 stream without ID3v2 tag) rewritten so that
// the decoder reads it right; see above.
func repackLSF(data []byte) ([]byte, error) {
	if !lsfHeader(data) {
		return data, nil
	}
	frames, reservoir, padded := parseLSF(data)
	if !padded {
		return data, nil
	}
	var out, res []byte // res: the output reservoir, frame data areas back to back
	type placed struct {
		hdr  [4]byte
		side []byte
		area int
	}
	var order []placed
	end := 0 // end of the main data placed so far, in res
	for _, f := range frames {
		_, _, sideLen := lsfSizes(f.hdr[:], 1, false)
		start := len(res) // where this frame's data area begins
		pos := max(end, start-255)
		idx := int(f.hdr[2] >> 4)
		area := 0
		for ; idx < len(lsfKbps); idx++ {
			total, _, _ := lsfSizes(f.hdr[:], idx, false)
			if area = total - 4 - sideLen; pos+f.mainLen <= start+area {
				break
			}
		}
		if idx == len(lsfKbps) {
			return nil, fmt.Errorf("mp3: %w: MPEG-2 frame main data does not fit any frame size", ErrCorrupt)
		}
		res = append(res, make([]byte, area)...)
		copy(res[pos:], reservoir[f.mainFrom:f.mainFrom+f.mainLen])
		end = pos + f.mainLen
		h := f.hdr
		h[1] |= 1                                                // no CRC
		h[2] = byte(idx)<<4 | h[2]&0x0D                          // new bitrate, padding bit cleared
		side := append([]byte{byte(start - pos)}, f.side[1:]...) // main_data_begin
		order = append(order, placed{h, side, area})
	}
	at := 0
	for _, p := range order {
		out = append(out, p.hdr[:]...)
		out = append(out, p.side...)
		out = append(out, res[at:at+p.area]...)
		at += p.area
	}
	return out, nil
}

// parseLSF splits an MPEG-2 Layer III stream into frames and the reservoir
// (all data areas back to back). Bytes between frames that are not a frame
// of the same stream are skipped; a frame whose main data reaches before the
// start of the stream or past its end is dropped, as a decoder would.
func parseLSF(data []byte) (frames []lsfFrame, reservoir []byte, padded bool) {
	rate, mono := data[2]&0x0C, data[3]>>6 == 3
	same := func(b []byte) bool { // a frame of the same stream
		return lsfHeader(b) && b[2]&0x0C == rate && (b[3]>>6 == 3) == mono
	}
	for pos := 0; pos+4 <= len(data); {
		if !same(data[pos:]) {
			pos++
			continue
		}
		pad := data[pos+2]&2 != 0
		total, hdr, side := lsfSizes(data[pos:], int(data[pos+2]>>4), pad)
		if pos+total > len(data) || hdr+side > total {
			break
		}
		si := data[pos+hdr : pos+hdr+side]
		areaStart := len(reservoir)
		reservoir = append(reservoir, data[pos+hdr+side:pos+total]...)
		f := lsfFrame{side: si, mainFrom: areaStart - int(si[0]), mainLen: (lsfMainBits(si) + 7) / 8}
		copy(f.hdr[:], data[pos:pos+4])
		pos += total
		if f.mainFrom < 0 || f.mainFrom+f.mainLen > len(reservoir) {
			continue
		}
		padded = padded || pad
		frames = append(frames, f)
	}
	return frames, reservoir, padded
}

// lsfMainBits returns the main data length in bits (the sum of part2_3_length
// over the channels) from MPEG-2 side information: main_data_begin (8 bits),
// private bits (1 mono, 2 stereo), then 63 bits per channel starting with
// part2_3_length (12 bits).
func lsfMainBits(si []byte) int {
	if len(si) == 9 {
		return bitsAt(si, 9, 12)
	}
	return bitsAt(si, 10, 12) + bitsAt(si, 73, 12)
}

// bitsAt returns n bits of b starting at bit off (most significant first).
func bitsAt(b []byte, off, n int) int {
	v := 0
	for i := off; i < off+n; i++ {
		v = v<<1 | int(b[i/8]>>(7-i%8)&1)
	}
	return v
}
