package g711

import (
	"math"
	"testing"

	zaf "github.com/zaf/g711"
)

// TestEncodeMatchesReference checks every possible sample against the
// per-sample reference encoders.
func TestEncodeMatchesReference(t *testing.T) {
	for i := math.MinInt16; i <= math.MaxInt16; i++ {
		s := int16(i)
		if got, want := ULawByte(s), zaf.EncodeUlawFrame(s); got != want {
			t.Fatalf("ULawByte(%d) = %#x, want %#x", s, got, want)
		}
		if got, want := ALawByte(s), zaf.EncodeAlawFrame(s); got != want {
			t.Fatalf("ALawByte(%d) = %#x, want %#x", s, got, want)
		}
	}
}

func TestDecodeMatchesReference(t *testing.T) {
	for i := range 256 {
		b := byte(i)
		if got, want := ULawSample(b), zaf.DecodeUlawFrame(b); got != want {
			t.Errorf("ULawSample(%#x) = %d, want %d", b, got, want)
		}
		if got, want := ALawSample(b), zaf.DecodeAlawFrame(b); got != want {
			t.Errorf("ALawSample(%#x) = %d, want %d", b, got, want)
		}
	}
}

func TestTranscodeMatchesReference(t *testing.T) {
	src := make([]byte, 256)
	for i := range src {
		src[i] = byte(i)
	}
	toA := make([]byte, 256)
	toU := make([]byte, 256)
	if n := ULawToALaw(toA, src); n != 256 {
		t.Fatalf("ULawToALaw n = %d", n)
	}
	if n := ALawToULaw(toU, src); n != 256 {
		t.Fatalf("ALawToULaw n = %d", n)
	}
	for i := range 256 {
		if want := zaf.Ulaw2AlawFrame(byte(i)); toA[i] != want {
			t.Errorf("ULawToALaw(%#x) = %#x, want %#x", i, toA[i], want)
		}
		if want := zaf.Alaw2UlawFrame(byte(i)); toU[i] != want {
			t.Errorf("ALawToULaw(%#x) = %#x, want %#x", i, toU[i], want)
		}
	}
}

// TestCodeWordRoundTrip: decoding a code word and encoding the result gives
// the code word back; µ-law has two zeros (0x7F, 0xFF) that both map to 0xFF.
func TestCodeWordRoundTrip(t *testing.T) {
	for i := range 256 {
		b := byte(i)
		want := b
		if b == 0x7F {
			want = 0xFF
		}
		if got := ULawByte(ULawSample(b)); got != want {
			t.Errorf("µ-law %#x -> %d -> %#x", b, ULawSample(b), got)
		}
		if got := ALawByte(ALawSample(b)); got != b {
			t.Errorf("A-law %#x -> %d -> %#x", b, ALawSample(b), got)
		}
	}
}

func TestSilence(t *testing.T) {
	if got := ULawByte(0); got != SilenceULaw {
		t.Errorf("ULawByte(0) = %#x, want SilenceULaw %#x", got, SilenceULaw)
	}
	if got := ALawByte(0); got != SilenceALaw {
		t.Errorf("ALawByte(0) = %#x, want SilenceALaw %#x", got, SilenceALaw)
	}
	if ULawSample(SilenceULaw) != 0 {
		t.Errorf("ULawSample(SilenceULaw) = %d", ULawSample(SilenceULaw))
	}
	if s := ALawSample(SilenceALaw); s < -16 || s > 16 {
		t.Errorf("ALawSample(SilenceALaw) = %d, want near 0", s)
	}
}

// TestLengths: the slice functions convert min(len(dst), len(src)) items and
// never touch dst beyond that.
func TestLengths(t *testing.T) {
	tests := []struct {
		name     string
		dst, src int
		want     int
	}{
		{"equal", 160, 160, 160},
		{"short dst", 80, 160, 80},
		{"short src", 160, 10, 10},
		{"empty src", 160, 0, 0},
		{"nil dst", 0, 160, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pcm := make([]int16, tt.src)
			law := make([]byte, tt.src)
			bdst := make([]byte, tt.dst+1)
			sdst := make([]int16, tt.dst+1)
			bdst[tt.dst], sdst[tt.dst] = 0x55, 0x55
			check := func(name string, n int) {
				t.Helper()
				if n != tt.want {
					t.Errorf("%s = %d, want %d", name, n, tt.want)
				}
				if bdst[tt.dst] != 0x55 || sdst[tt.dst] != 0x55 {
					t.Errorf("%s wrote past dst", name)
				}
			}
			check("EncodeULaw", EncodeULaw(bdst[:tt.dst], pcm))
			check("EncodeALaw", EncodeALaw(bdst[:tt.dst], pcm))
			check("DecodeULaw", DecodeULaw(sdst[:tt.dst], law))
			check("DecodeALaw", DecodeALaw(sdst[:tt.dst], law))
			check("ULawToALaw", ULawToALaw(bdst[:tt.dst], law))
			check("ALawToULaw", ALawToULaw(bdst[:tt.dst], law))
		})
	}
}

func TestTranscodeInPlace(t *testing.T) {
	buf := []byte{0x00, 0x7F, 0x80, 0xFF, 0x12}
	want := make([]byte, len(buf))
	ULawToALaw(want, buf)
	ULawToALaw(buf, buf)
	if string(buf) != string(want) {
		t.Errorf("in place = %x, want %x", buf, want)
	}
}

// FuzzRoundTrip: any code words survive decode→encode (modulo µ-law's
// negative zero), and any PCM survives encode→decode within one
// quantisation step of its segment.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte{0x00, 0x7F, 0x80, 0xFF})
	f.Add([]byte("hello, world"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pcm := make([]int16, len(data))
		out := make([]byte, len(data))
		DecodeULaw(pcm, data)
		EncodeULaw(out, pcm)
		for i := range data {
			if want := data[i]; out[i] != want && !(want == 0x7F && out[i] == 0xFF) {
				t.Fatalf("µ-law %#x -> %#x", want, out[i])
			}
		}
		DecodeALaw(pcm, data)
		EncodeALaw(out, pcm)
		if string(out) != string(data) {
			t.Fatalf("A-law round trip %x -> %x", data, out)
		}
		// The same bytes read as PCM little-endian.
		lin := make([]int16, len(data)/2)
		for i := range lin {
			lin[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
		}
		law := make([]byte, len(lin))
		back := make([]int16, len(lin))
		EncodeULaw(law, lin)
		DecodeULaw(back, law)
		for i, s := range lin {
			if d := diff(s, back[i]); d > step(s) {
				t.Fatalf("µ-law %d -> %d: error %d", s, back[i], d)
			}
		}
		EncodeALaw(law, lin)
		DecodeALaw(back, law)
		for i, s := range lin {
			if d := diff(s, back[i]); d > step(s) {
				t.Fatalf("A-law %d -> %d: error %d", s, back[i], d)
			}
		}
	})
}

func diff(a, b int16) int {
	d := int(a) - int(b)
	if d < 0 {
		d = -d
	}
	return d
}

// step is a generous bound of the quantisation error of either law for a
// sample of s's magnitude (segments double in step size; the top µ-law
// segment also clips at ±32124).
func step(s int16) int {
	m := int(s)
	if m < 0 {
		m = -m
	}
	return max(m/16, 40) + max(m-32124, 0)
}
