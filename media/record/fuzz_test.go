package record

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
)

// headerSeeds are WAV beginnings for the fuzz targets: ours, with other
// chunks, damaged ones.
func headerSeeds() [][]byte {
	ours := partFile(2, 0, 12)
	var list bytes.Buffer // a LIST chunk of odd size (padded) before fmt, a fact chunk before data
	list.WriteString("RIFF\x00\x00\x00\x00WAVELIST\x03\x00\x00\x00abc\x00")
	list.Write(ours[12:36])
	list.WriteString("fact\x04\x00\x00\x00\x10\x00\x00\x00")
	list.Write(ours[36:])
	ext := partFile(1, 0, 4)
	binary.LittleEndian.PutUint16(ext[20:], fmtExtensible)
	noFmt := append([]byte("RIFF\x00\x00\x00\x00WAVE"), ours[36:]...)
	huge := bytes.Clone(ours)
	binary.LittleEndian.PutUint32(huge[16:], 0xFFFFFFF0) // a fmt chunk size past the end
	return [][]byte{ours, list.Bytes(), ext, noFmt, huge, ours[:30], ours[:12], []byte("RIFF"), nil}
}

func FuzzParseHeader(f *testing.F) {
	for _, s := range headerSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHeader(b)
		if err != nil {
			return
		}
		if h.DataOff < headerSize || h.DataOff > int64(len(b)) || h.Align < 1 || h.Align != h.Channels*h.Bits/8 {
			t.Fatalf("parseHeader(%x) = %+v", b, h)
		}
		if string(b[h.DataOff-8:h.DataOff-4]) != "data" {
			t.Fatalf("data offset %d is not after a data chunk header", h.DataOff)
		}
	})
}

func FuzzFixHeader(f *testing.F) {
	for _, s := range headerSeeds() {
		f.Add(s, uint16(7))
	}
	f.Add(partFile(1, 1<<20, 0), uint16(1001))
	f.Fuzz(func(t *testing.T, head []byte, audio uint16) {
		file := append(bytes.Clone(head), make([]byte, audio)...)
		p := filepath.Join(t.TempDir(), "x.wav.part")
		if err := os.WriteFile(p, file, 0o644); err != nil {
			t.Fatal(err)
		}
		fh, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		fixErr := fixHeader(fh)
		fh.Close()
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if fixErr != nil {
			if !bytes.Equal(got, file) {
				t.Fatal("a file that could not be repaired was changed")
			}
			return
		}
		h, err := parseHeader(got)
		if err != nil {
			t.Fatalf("the repaired header does not parse: %v", err)
		}
		data := int64(len(got)) - h.DataOff
		if data%int64(h.Align) != 0 || int64(h.DataSize) != data || len(file)-len(got) >= h.Align {
			t.Fatalf("repaired to %d bytes (data %d, header says %d, align %d) from %d", len(got), data, h.DataSize, h.Align, len(file))
		}
		if !bytes.Equal(got[h.DataOff:], file[h.DataOff:h.DataOff+data]) {
			t.Fatal("the audio changed")
		}
	})
}
