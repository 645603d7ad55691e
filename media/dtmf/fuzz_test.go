package dtmf

import (
	"encoding/binary"
	"strings"
	"testing"
)

func FuzzParseEvent(f *testing.F) {
	f.Add([]byte{5, 10, 0, 160})
	f.Add([]byte{11, 0x8A, 3, 32})
	f.Add([]byte{16, 0, 0, 0})
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := ParseEvent(payload)
		if err != nil {
			return
		}
		var b [EventSize]byte
		if _, err := ev.MarshalTo(b[:]); err != nil {
			t.Fatalf("parsed %+v does not marshal: %v", ev, err)
		}
		// The reserved bit is dropped; everything else survives.
		want := [EventSize]byte{payload[0], payload[1] &^ 0x40, payload[2], payload[3]}
		if b != want {
			t.Fatalf("%x -> %+v -> %x", payload[:4], ev, b)
		}
	})
}

// receiverRecord is the fuzz encoding of one packet: timestamp (4 bytes),
// sequence number (2) and telephone-event payload (4).
const receiverRecord = 10

func FuzzReceiver(f *testing.F) {
	var seed []byte
	for _, p := range join(press('1', 1000, 10, 3), press('1', 3000, 16, 2)) {
		var rec [receiverRecord]byte
		binary.BigEndian.PutUint32(rec[0:], p.ts)
		binary.BigEndian.PutUint16(rec[4:], p.seq)
		_, _ = (Event{Key: p.key, End: p.end, Duration: p.dur}).MarshalTo(rec[6:])
		seed = append(seed, rec[:]...)
	}
	f.Add(seed)
	f.Add([]byte("0123456789abcdefghij"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var once, twice Receiver
		var a, b []byte
		for ; len(data) >= receiverRecord; data = data[receiverRecord:] {
			ts := binary.BigEndian.Uint32(data)
			seq := binary.BigEndian.Uint16(data[4:])
			ev, err := ParseEvent(data[6:receiverRecord])
			if err != nil {
				continue
			}
			if k, ok := once.Packet(ts, seq, ev); ok {
				if strings.IndexByte(Keys, k) < 0 {
					t.Fatalf("reported %q", k)
				}
				a = append(a, k)
			}
			// A packet received twice in a row is one packet.
			for range 2 {
				if k, ok := twice.Packet(ts, seq, ev); ok {
					b = append(b, k)
				}
			}
		}
		if string(a) != string(b) {
			t.Fatalf("duplicates changed the digits: %q vs %q", a, b)
		}
	})
}

func FuzzDetector(f *testing.F) {
	tone := Tone('9', 60, 0.3)
	raw := make([]byte, 2*len(tone))
	for i, s := range tone {
		binary.LittleEndian.PutUint16(raw[2*i:], uint16(s))
	}
	f.Add(raw, uint8(160))
	f.Add([]byte("not audio at all, just some bytes"), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		pcm := make([]int16, len(data)/2)
		for i := range pcm {
			pcm[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
		}
		step := max(int(chunk), 1)
		var d Detector
		n := 0
		for off := 0; off < len(pcm); off += step {
			if k, ok := d.Feed(pcm[off:min(off+step, len(pcm))]); ok {
				if strings.IndexByte(Keys, k) < 0 {
					t.Fatalf("reported %q", k)
				}
				n++
			}
		}
		// A press takes 40 ms; a new one of a different key 40 ms more.
		if n > len(pcm)/(minOnSubs*subN)+1 {
			t.Fatalf("%d digits in %d samples", n, len(pcm))
		}
	})
}
