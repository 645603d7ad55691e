package prompt

import (
	"os"
	"testing"
	"time"
)

// fuzzMaxInput bounds fuzz inputs so each run stays fast.
const fuzzMaxInput = 64 << 10

// checkDecoded fails when Decode broke its contract: output within the limit
// and non-empty on success, a classified error otherwise.
func checkDecoded(t *testing.T, pcm []int16, err error, limit time.Duration) {
	t.Helper()
	if err != nil {
		if pcm != nil || !isFormatErr(err) {
			t.Fatalf("error %v with %d samples, or not ErrCorrupt/ErrUnsupported/ErrTooLong", err, len(pcm))
		}
		return
	}
	if len(pcm) == 0 || durationOf(len(pcm)) > limit {
		t.Fatalf("%d samples", len(pcm))
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(makeWAV(wavSpec{wavPCM, 1, 8000, 16, false}, 64, sine(1000, 0.5, 8000)))
	f.Add(makeWAV(wavSpec{wavPCM, 2, 44100, 24, true}, 64, sine(1000, 0.5, 44100)))
	f.Add(makeWAV(wavSpec{wavULaw, 1, 8000, 8, false}, 65, sine(1000, 0.5, 8000)))
	f.Add(makeWAV(wavSpec{wavFloat, 3, 11025, 64, false}, 20, sine(1000, 0.5, 11025)))
	f.Add(riff(chunk("data", []byte{1, 2, 3}), chunk("fmt ", []byte("\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00"))))
	const limit = 2 * time.Second
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		pcm, err := Decode("x.wav", data, limit)
		checkDecoded(t, pcm, err, limit)
	})
}

func FuzzDecodeMP3(f *testing.F) {
	for _, name := range []string{"tone1k-44k-stereo.mp3", "tone1k-22k-mono.mp3", "tone1k-22k-stereo.mp3"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 1500)])
	}
	f.Add([]byte("ID3\x03\x00\x00\x00\x00\x00\x02ab\xff\xfb\x10\x00"))
	f.Add([]byte("\xff\xfa500000000000\xff\xff0000"))
	const limit = 2 * time.Second
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxInput {
			return
		}
		pcm, err := Decode("x.mp3", data, limit)
		checkDecoded(t, pcm, err, limit)
	})
}
