package dtmf

import (
	"testing"
	"time"
)

func BenchmarkParseEvent(b *testing.B) {
	payload := []byte{5, 0x8A, 3, 32}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseEvent(payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseEventInvalid(b *testing.B) {
	payload := []byte{200, 0x8A, 3, 32}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseEvent(payload); err == nil {
			b.Fatal("no error")
		}
	}
}

func BenchmarkReceiver(b *testing.B) {
	pkts := join(press('1', 1000, 10, 5), press('2', 3000, 18, 5))
	evs := make([]Event, len(pkts))
	for i, p := range pkts {
		evs[i] = Event{Key: p.key, End: p.end, Duration: p.dur}
	}
	var r Receiver
	b.ReportAllocs()
	for b.Loop() {
		for i, p := range pkts {
			r.Packet(p.ts, p.seq, evs[i])
		}
	}
}

func BenchmarkSender(b *testing.B) {
	var s Sender
	var buf [EventSize]byte
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Start('5', 100*time.Millisecond)
		for {
			ev, _, ok := s.Next()
			if !ok {
				break
			}
			_, _ = ev.MarshalTo(buf[:])
		}
	}
}

// BenchmarkDetectorSilence, ...Tone and ...Noise feed one 20 ms frame per
// op: the in-band detector's cost per call per frame.
func BenchmarkDetectorSilence(b *testing.B) { benchDetector(b, silence(1000)) }

func BenchmarkDetectorTone(b *testing.B) {
	benchDetector(b, cat(Tone('5', 500, 0.2), silence(500)))
}

func BenchmarkDetectorSpeech(b *testing.B) {
	benchDetector(b, vowel(1000, 130, 0.3, [3]float64{730, 1090, 2440}))
}

func benchDetector(b *testing.B, pcm []int16) {
	var d Detector
	off := 0
	b.ReportAllocs()
	for b.Loop() {
		d.Feed(pcm[off : off+160])
		off = (off + 160) % len(pcm)
	}
}
