package prompt

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func benchDecode(b *testing.B, name string, data []byte) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(name, data, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// One second of a 1 kHz tone in each format.
func BenchmarkDecodeWAVULaw8k(b *testing.B) {
	benchDecode(b, "x.wav", makeWAV(wavSpec{wavULaw, 1, 8000, 8, false}, 8000, sine(1000, 0.5, 8000)))
}

func BenchmarkDecodeWAV16k(b *testing.B) {
	benchDecode(b, "x.wav", makeWAV(wavSpec{wavPCM, 1, 16000, 16, false}, 16000, sine(1000, 0.5, 16000)))
}

func BenchmarkDecodeWAV44kStereo(b *testing.B) {
	benchDecode(b, "x.wav", makeWAV(wavSpec{wavPCM, 2, 44100, 16, false}, 44100, sine(1000, 0.5, 44100)))
}

// Half a second of MP3.
func BenchmarkDecodeMP3(b *testing.B) {
	for _, n := range []string{"tone1k-44k-stereo.mp3", "tone1k-22k-mono.mp3"} {
		data, err := os.ReadFile("testdata/" + n)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(n, func(b *testing.B) { benchDecode(b, "x.mp3", data) })
	}
}

func benchGet(b *testing.B, revalidate time.Duration) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notice.wav"), toneWAV(500, 1000), 0o644); err != nil {
		b.Fatal(err)
	}
	c := New(Options{Dir: dir, Revalidate: revalidate})
	ctx := context.Background()
	if _, err := c.Get(ctx, "notice"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Get(ctx, "notice"); err != nil {
			b.Fatal(err)
		}
	}
}

// A hit within Options.Revalidate: no stat, no allocation.
func BenchmarkGetHit(b *testing.B) { benchGet(b, time.Hour) }

// A hit that stats the file first (Options.Revalidate 0).
func BenchmarkGetHitStat(b *testing.B) { benchGet(b, 0) }
