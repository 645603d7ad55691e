package prompt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hajimehoshi/go-mp3"
)

// decodeMP3 decodes an MPEG-1/2/2.5 Layer III file to 8 kHz mono PCM. The
// decoder library panics on some damaged frames; a panic is turned into
// ErrCorrupt here so a bad upload can never take the box down.
func decodeMP3(data []byte, maxOut int) (pcm []int16, err error) {
	defer func() {
		if p := recover(); p != nil {
			pcm, err = nil, fmt.Errorf("mp3: %w: decoder failed: %v", ErrCorrupt, p)
		}
	}()
	if data, err = skipID3(data); err != nil {
		return nil, err
	}
	if data, err = repackLSF(data); err != nil {
		return nil, err
	}
	// Hide Seek so the library does not pre-scan the whole file for its length.
	dec, err := mp3.NewDecoder(struct{ io.Reader }{bytes.NewReader(data)})
	if err != nil {
		if strings.Contains(err.Error(), "not supported") { // MPEG-2.5, free format, layer I/II
			return nil, fmt.Errorf("%w: %v", ErrUnsupported, err)
		}
		return nil, fmt.Errorf("mp3: %w: no decodable frame: %v", ErrCorrupt, err)
	}
	rate := dec.SampleRate()
	if rate < 8000 || rate > 48000 {
		return nil, fmt.Errorf("mp3: %w: sample rate %d Hz", ErrUnsupported, rate)
	}
	r := newResampler(rate, maxOut)
	buf := make([]byte, 4*blockFrames) // the library always gives 16-bit stereo
	mono := make([]float32, blockFrames)
	for {
		n, err := io.ReadFull(dec, buf)
		frames := n / 4
		for i := range frames {
			l := int16(uint16(buf[4*i]) | uint16(buf[4*i+1])<<8)
			rr := int16(uint16(buf[4*i+2]) | uint16(buf[4*i+3])<<8)
			mono[i] = (float32(l) + float32(rr)) / 2
		}
		if werr := r.write(mono[:frames]); werr != nil {
			return nil, fmt.Errorf("mp3: %w", werr)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("mp3: %w: %v", ErrCorrupt, err)
		}
	}
	return r.flush()
}

// skipID3 returns data after its leading ID3v2 tags. The library would
// allocate whatever size a tag header claims; checking it here keeps a forged
// 256 MB tag in a 1 kB file from costing 256 MB.
func skipID3(data []byte) ([]byte, error) {
	for range maxID3Tags {
		if len(data) < 10 || string(data[:3]) != "ID3" {
			return data, nil
		}
		for _, c := range data[6:10] {
			if c >= 0x80 {
				return nil, fmt.Errorf("mp3: %w: ID3 tag size %x is not a sync-safe integer", ErrCorrupt, data[6:10])
			}
		}
		size := 10 + (int(data[6])<<21 | int(data[7])<<14 | int(data[8])<<7 | int(data[9]))
		if data[5]&0x10 != 0 { // footer present
			size += 10
		}
		if size > len(data) {
			return nil, fmt.Errorf("mp3: %w: ID3 tag claims %d bytes, the file has %d", ErrCorrupt, size, len(data))
		}
		data = data[size:]
	}
	return nil, fmt.Errorf("mp3: %w: more than %d ID3 tags", ErrCorrupt, maxID3Tags)
}

// maxID3Tags bounds the ID3v2 tags skipped at the start of an MP3 file.
const maxID3Tags = 4
