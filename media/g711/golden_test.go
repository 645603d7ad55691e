package g711

import (
	"bytes"
	"encoding/binary"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/sweep.* golden files")

const (
	sweepPCM  = "sweep.pcm"  // 1 s, 8 kHz, signed 16-bit little-endian
	sweepULaw = "sweep.ulaw" // sweep.pcm encoded to µ-law
	sweepALaw = "sweep.alaw" // sweep.pcm encoded to A-law
)

// sweep generates a 1 s chirp from 100 Hz to 3900 Hz whose level rises from
// -60 dBFS to 0 dBFS, so every segment of both laws is exercised.
func sweep() []int16 {
	const n = 8000
	out := make([]int16, n)
	phase := 0.0
	for i := range out {
		x := float64(i) / n
		freq := 100 + 3800*x
		amp := 32767 * math.Pow(10, (-60+60*x)/20)
		phase += 2 * math.Pi * freq / 8000
		out[i] = int16(math.Round(amp * math.Sin(phase)))
	}
	return out
}

func TestGoldenSweep(t *testing.T) {
	if *update {
		writeGolden(t)
	}
	raw := readFile(t, sweepPCM)
	pcm := make([]int16, len(raw)/2)
	if err := binary.Read(bytes.NewReader(raw), binary.LittleEndian, pcm); err != nil {
		t.Fatal(err)
	}
	laws := []struct {
		file   string
		encode func([]byte, []int16) int
		decode func([]int16, []byte) int
	}{
		{sweepULaw, EncodeULaw, DecodeULaw},
		{sweepALaw, EncodeALaw, DecodeALaw},
	}
	for _, law := range laws {
		t.Run(law.file, func(t *testing.T) {
			want := readFile(t, law.file)
			got := make([]byte, len(pcm))
			law.encode(got, pcm)
			if !bytes.Equal(got, want) {
				t.Fatalf("encoding differs from %s at byte %d", law.file, firstDiff(got, want))
			}
			back := make([]int16, len(want))
			law.decode(back, want)
			if snr := snrDB(pcm, back); snr < 30 {
				t.Errorf("round trip SNR %.1f dB, want >= 30", snr)
			}
			for i, s := range pcm {
				if d := diff(s, back[i]); d > step(s) {
					t.Fatalf("sample %d: %d -> %d, error %d", i, s, back[i], d)
				}
			}
		})
	}
}

func writeGolden(t *testing.T) {
	t.Helper()
	pcm := sweep()
	var raw bytes.Buffer
	_ = binary.Write(&raw, binary.LittleEndian, pcm)
	u := make([]byte, len(pcm))
	a := make([]byte, len(pcm))
	EncodeULaw(u, pcm)
	EncodeALaw(a, pcm)
	for name, data := range map[string][]byte{sweepPCM: raw.Bytes(), sweepULaw: u, sweepALaw: a} {
		if err := os.WriteFile(filepath.Join("testdata", name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenSweep -update to create it)", err)
	}
	return b
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// snrDB is the signal-to-quantisation-noise ratio of got against want.
func snrDB(want, got []int16) float64 {
	var sig, noise float64
	for i := range want {
		s := float64(want[i])
		e := s - float64(got[i])
		sig += s * s
		noise += e * e
	}
	return 10 * math.Log10(sig/noise)
}
