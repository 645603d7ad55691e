package prompt

import (
	"bytes"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/tone"
	"github.com/zaf/g711"
)

var candidatesHz = []float64{300, 500, 700, 1000, 1500, 2000, 3000}

// checkTone fails unless pcm (8 kHz) is a clean tone at freq about wantLen
// samples long.
func checkTone(t *testing.T, pcm []int16, freq float64, wantLen int) {
	t.Helper()
	if d := len(pcm) - wantLen; d < -2 || d > 2 {
		t.Fatalf("decoded %d samples, want %d", len(pcm), wantLen)
	}
	mid := pcm[len(pcm)/10 : len(pcm)*9/10] // away from the filter's edges
	f, ratio := tone.Dominant(mid, candidatesHz)
	if f != freq || ratio < 0.9 {
		t.Fatalf("dominant %v Hz (ratio %.3f), want %v Hz, ratio >= 0.9", f, ratio, freq)
	}
	if a := rms(mid) * math.Sqrt2; a < 0.4 || a > 0.6 {
		t.Fatalf("amplitude %.3f, want 0.5", a)
	}
}

func TestDecodeWAV(t *testing.T) {
	tests := []struct {
		name string
		spec wavSpec
	}{
		{"8-bit PCM 8 kHz", wavSpec{wavPCM, 1, 8000, 8, false}},
		{"16-bit PCM 8 kHz", wavSpec{wavPCM, 1, 8000, 16, false}},
		{"16-bit PCM 16 kHz", wavSpec{wavPCM, 1, 16000, 16, false}},
		{"16-bit PCM 44.1 kHz stereo", wavSpec{wavPCM, 2, 44100, 16, false}},
		{"16-bit PCM 48 kHz 6 channels", wavSpec{wavPCM, 6, 48000, 16, false}},
		{"16-bit PCM 11025 Hz", wavSpec{wavPCM, 1, 11025, 16, false}},
		{"16-bit PCM 6 kHz (upsampled)", wavSpec{wavPCM, 1, 6000, 16, false}},
		{"16-bit PCM 44101 Hz (no phase table)", wavSpec{wavPCM, 1, 44101, 16, false}},
		{"24-bit PCM 48 kHz", wavSpec{wavPCM, 1, 48000, 24, false}},
		{"32-bit PCM 22050 Hz stereo", wavSpec{wavPCM, 2, 22050, 32, false}},
		{"float32 44.1 kHz", wavSpec{wavFloat, 1, 44100, 32, false}},
		{"float64 8 kHz", wavSpec{wavFloat, 1, 8000, 64, false}},
		{"µ-law 8 kHz", wavSpec{wavULaw, 1, 8000, 8, false}},
		{"A-law 8 kHz", wavSpec{wavALaw, 1, 8000, 8, false}},
		{"µ-law 16 kHz stereo", wavSpec{wavULaw, 2, 16000, 8, false}},
		{"extensible 16-bit 8 kHz", wavSpec{wavPCM, 1, 8000, 16, true}},
		{"extensible 24-bit 96 kHz stereo", wavSpec{wavPCM, 2, 96000, 24, true}},
		{"extensible float32 32 kHz", wavSpec{wavFloat, 1, 32000, 32, true}},
		{"extensible µ-law", wavSpec{wavULaw, 1, 8000, 8, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frames := tt.spec.rate / 2 // 0.5 s
			data := makeWAV(tt.spec, frames, sine(1000, 0.5, tt.spec.rate))
			pcm, err := Decode("x.wav", data, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkTone(t, pcm, 1000, 4000)
		})
	}
}

func TestDecodeDownmix(t *testing.T) {
	// Left and right in opposite phase cancel out; left alone halves.
	gen := func(ch, i int) float64 {
		v := 0.5 * math.Sin(2*math.Pi*700*float64(i)/44100)
		if ch == 1 {
			return -v
		}
		return v
	}
	pcm, err := Decode("x.wav", makeWAV(wavSpec{wavPCM, 2, 44100, 16, false}, 22050, gen), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r := rms(pcm); r > 0.001 {
		t.Fatalf("opposite channels: rms %.4f, want silence", r)
	}
}

func TestDecodeAntiAlias(t *testing.T) {
	// 5 kHz is above the 4 kHz Nyquist frequency of the output: plain
	// decimation would fold it to 3 kHz; the filter must remove it.
	for _, rate := range []int{16000, 22050, 44100, 48000} {
		data := makeWAV(wavSpec{wavPCM, 1, rate, 16, false}, rate/2, sine(5000, 0.5, rate))
		pcm, err := Decode("x.wav", data, 0)
		if err != nil {
			t.Fatal(err)
		}
		if r := rms(pcm[400 : len(pcm)-400]); r > 0.005 {
			t.Errorf("%d Hz: 5 kHz tone left rms %.4f after resampling, want < 0.005", rate, r)
		}
	}
}

func TestDecodeRaw(t *testing.T) {
	src := tone.Sine([]float64{1000}, 500, 0.5)
	ulaw := make([]byte, len(src))
	alaw := make([]byte, len(src))
	for i, s := range src {
		ulaw[i], alaw[i] = g711.EncodeUlawFrame(s), g711.EncodeAlawFrame(s)
	}
	sln16 := makeWAV(wavSpec{wavPCM, 1, 16000, 16, false}, 8000, sine(1000, 0.5, 16000))
	sln16 = sln16[len(sln16)-16000:] // the data chunk's body
	tests := []struct {
		name string
		data []byte
	}{
		{"x.ulaw", ulaw}, {"x.pcmu", ulaw}, {"x.ul", ulaw},
		{"x.alaw", alaw}, {"x.pcma", alaw}, {"X.ALAW", alaw},
		{"x.sln", pcm16(src)}, {"x.sln", append(pcm16(src), 7)}, // odd byte ignored
		{"x.sln16", sln16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm, err := Decode(tt.name, tt.data, 0)
			if err != nil {
				t.Fatal(err)
			}
			checkTone(t, pcm, 1000, 4000)
		})
	}
}

func TestDecodeMP3(t *testing.T) {
	files := []string{"tone1k-22k-mono.mp3", "tone1k-22k-stereo.mp3", "tone1k-44k-stereo.mp3"}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			pcm, err := Decode(name, data, 0)
			if err != nil {
				t.Fatal(err)
			}
			// MP3 encoders add a priming delay and pad the last frame.
			if len(pcm) < 4000 || len(pcm) > 5000 {
				t.Fatalf("decoded %d samples, want about 4000", len(pcm))
			}
			f, ratio := tone.Dominant(pcm[800:3200], candidatesHz)
			if f != 1000 || ratio < 0.9 {
				t.Fatalf("dominant %v Hz ratio %.3f, want 1000 Hz", f, ratio)
			}
			// The same bytes behind an ID3v2 tag, and named .wav.
			tagged := append([]byte("ID3\x03\x00\x00\x00\x00\x00\x05hello"), data...)
			if pcm2, err := Decode("x.wav", tagged, 0); err != nil || len(pcm2) != len(pcm) {
				t.Fatalf("tagged: %d samples, %v", len(pcm2), err)
			}
		})
	}
}

func TestDecodeMP3Unsupported(t *testing.T) {
	// MPEG-2.5 (8, 11.025 and 12 kHz) is not decoded by the MP3 library.
	data, err := os.ReadFile("testdata/tone1k-8k-mono.mp3")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Decode("x.mp3", data, 0)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "2.5") {
		t.Fatalf("err = %v, want ErrUnsupported naming MPEG 2.5", err)
	}
}

func TestRepackLSFUnchanged(t *testing.T) {
	// MPEG-1 and unpadded MPEG-2 streams pass through untouched.
	for _, name := range []string{"tone1k-44k-stereo.mp3"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		out, err := repackLSF(data)
		if err != nil || !bytes.Equal(out, data) {
			t.Fatalf("%s: changed (%v)", name, err)
		}
	}
	data, err := os.ReadFile("testdata/tone1k-22k-mono.mp3")
	if err != nil {
		t.Fatal(err)
	}
	out, err := repackLSF(data)
	if err != nil {
		t.Fatal(err)
	}
	frames, _, padded := parseLSF(out)
	if padded || len(frames) < 20 {
		t.Fatalf("repacked 22.05 kHz stream: %d frames, padded %v", len(frames), padded)
	}
}

func TestDecodeWAVNamedMP3(t *testing.T) {
	data := makeWAV(wavSpec{wavPCM, 1, 8000, 16, false}, 4000, sine(1000, 0.5, 8000))
	pcm, err := Decode("x.mp3", data, 0)
	if err != nil {
		t.Fatal(err)
	}
	checkTone(t, pcm, 1000, 4000)
}

func TestDecodeTruncatedData(t *testing.T) {
	// A data chunk claiming 4 GB (a streaming writer, or a file cut short)
	// is read as far as the file goes.
	data := makeWAV(wavSpec{wavPCM, 1, 8000, 16, false}, 4000, sine(1000, 0.5, 8000))
	i := bytes.Index(data, []byte("data"))
	copy(data[i+4:], "\xff\xff\xff\xff")
	pcm, err := Decode("x.wav", data[:len(data)-1001], 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) != 3499 {
		t.Fatalf("decoded %d samples, want 3499", len(pcm))
	}
}

func TestDecodeErrors(t *testing.T) {
	good := makeWAV(wavSpec{wavPCM, 1, 8000, 16, false}, 800, sine(1000, 0.5, 8000))
	fmtAt := bytes.Index(good, []byte("fmt "))
	with := func(off int, b string) []byte {
		d := bytes.Clone(good)
		copy(d[off:], b)
		return d
	}
	long := makeWAV(wavSpec{wavPCM, 1, 8000, 8, false}, 8000*3, sine(1000, 0.5, 8000))
	tests := []struct {
		name, file string
		data       []byte
		want       error
		msg        string
	}{
		{"empty", "x.wav", nil, ErrCorrupt, "too short"},
		{"not RIFF", "x.wav", []byte("hello world, not a wav file"), ErrCorrupt, "no RIFF header"},
		{"RF64", "x.wav", with(0, "RF64"), ErrUnsupported, "RF64"},
		{"AVI", "x.wav", with(8, "AVI "), ErrUnsupported, `"AVI "`},
		{"no fmt", "x.wav", riff(chunk("data", []byte{1, 2})), ErrCorrupt, "no fmt chunk"},
		{"no data", "x.wav", good[:fmtAt+24], ErrCorrupt, "no data chunk"},
		{"fmt cut", "x.wav", good[:fmtAt+12], ErrCorrupt, `"fmt " chunk claims 16 bytes, 4 left`},
		{"short fmt", "x.wav", riff(chunk("fmt ", []byte{1, 0, 1, 0}), chunk("data", []byte{1, 2})), ErrCorrupt, "fmt chunk is 4 bytes"},
		{"ADPCM", "x.wav", with(fmtAt+8, "\x11\x00"), ErrUnsupported, "format code 0x0011 (IMA ADPCM)"},
		{"MPEG", "x.wav", with(fmtAt+8, "\x55\x00"), ErrUnsupported, "0x0055 (MPEG Layer 3)"},
		{"0 channels", "x.wav", with(fmtAt+10, "\x00\x00"), ErrCorrupt, "0 channels"},
		{"rate 0", "x.wav", with(fmtAt+12, "\x00\x00\x00\x00"), ErrUnsupported, "sample rate 0 Hz"},
		{"rate huge", "x.wav", with(fmtAt+12, "\xff\xff\xff\xff"), ErrUnsupported, "sample rate"},
		{"12-bit float", "x.wav", with(fmtAt+8, "\x03\x00"), ErrUnsupported, "16-bit float"},
		{"block align small", "x.wav", with(fmtAt+20, "\x01\x00"), ErrCorrupt, "block align 1"},
		{"40-bit PCM", "x.wav", with(fmtAt+22, "\x28\x00"), ErrUnsupported, "40-bit PCM"},
		{"no samples", "x.wav", riff(chunk("fmt ", good[fmtAt+8:fmtAt+24]), chunk("data", nil)), ErrCorrupt, "no audio"},
		{"too long", "x.wav", long, ErrTooLong, "3s of audio, the limit is 2s"},
		{"too long raw", "x.ulaw", make([]byte, 8000*3), ErrTooLong, "limit is 2s"},
		{"bad extension", "x.ogg", good, ErrUnsupported, `".ogg"`},
		{"mp3 garbage", "x.mp3", []byte("\xff\xfbnot really an mp3 frame at all"), ErrCorrupt, "mp3"},
		{"mp3 empty", "x.mp3", nil, ErrCorrupt, "mp3"},
		{"mp3 forged ID3", "x.mp3", []byte("ID3\x03\x00\x00\x7f\x7f\x7f\x7f\xff\xfb"), ErrCorrupt, "ID3 tag claims 268435465 bytes"},
		{"mp3 forged 2nd ID3", "x.mp3", []byte("ID3\x03\x00\x00\x00\x00\x00\x00ID3\x03\x00\x00\x7f\x7f\x7f\x7f\xff\xfb"), ErrCorrupt, "ID3 tag claims"},
		{"mp3 bad ID3 size", "x.mp3", []byte("ID3\x03\x00\x00\xff\x7f\x7f\x7f\xff\xfb"), ErrCorrupt, "sync-safe"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm, err := Decode(tt.file, tt.data, 2*time.Second)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Decode = %d samples, %v; want %v containing %q", len(pcm), err, tt.want, tt.msg)
			}
		})
	}
}

func TestAudio(t *testing.T) {
	pcm := tone.Sine([]float64{440}, 250, 0.5)
	a := NewAudio("x", pcm)
	if a.Duration() != 250*time.Millisecond {
		t.Fatalf("Duration = %v", a.Duration())
	}
	for i, s := range pcm {
		if a.ULaw[i] != g711.EncodeUlawFrame(s) || a.ALaw[i] != g711.EncodeAlawFrame(s) {
			t.Fatalf("sample %d: wrong G.711 encoding", i)
		}
	}
	if a.size() != 4*int64(len(pcm)) {
		t.Fatalf("size = %d", a.size())
	}
}
