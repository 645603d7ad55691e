package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wav returns a canonical WAV file of channels channels and data bytes.
func wav(channels, data int) []byte {
	b := make([]byte, 44+data)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1)
	binary.LittleEndian.PutUint16(b[22:], uint16(channels))
	binary.LittleEndian.PutUint32(b[24:], 8000)
	binary.LittleEndian.PutUint32(b[28:], uint32(16000*channels))
	binary.LittleEndian.PutUint16(b[32:], uint16(2*channels))
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	return b
}

func TestWavDuration(t *testing.T) {
	stale := wav(1, 16000)
	binary.LittleEndian.PutUint32(stale[40:], 0) // header not updated
	tests := []struct {
		name     string
		file     []byte
		channels int
		want     time.Duration
		err      string
	}{
		{"mono 1 s", wav(1, 16000), 1, time.Second, ""},
		{"stereo 2 s", wav(2, 64000), 2, 2 * time.Second, ""},
		{"wrong channels", wav(2, 32000), 1, 0, "2 channels"},
		{"stale sizes", stale, 1, 0, "disagree"},
		{"short", []byte("RIFF"), 1, 0, "header"},
		{"not wav", make([]byte, 100), 1, 0, "canonical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.wav")
			if err := os.WriteFile(p, tt.file, 0o600); err != nil {
				t.Fatal(err)
			}
			d, err := wavDuration(p, tt.channels)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil || d != tt.want {
				t.Fatalf("got %v, %v; want %v", d, err, tt.want)
			}
		})
	}
}

func TestFilesPerCall(t *testing.T) {
	tests := []struct {
		name       string
		files      []string
		format     string
		want       int
		calls, odd int
	}{
		{"stereo", []string{"a/1700.1-r1.wav", "a/1700.2-r1.wav"}, "stereo", 1, 2, 0},
		{"split", []string{"1700.1-r1-in.wav", "1700.1-r1-out.wav", "1700.2-r1-in.wav"}, "split", 2, 2, 1},
		{"twice", []string{"1700.1-r1.wav", "1700.1-r2.wav"}, "mixed", 1, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls, odd := filesPerCall(tt.files, tt.format, tt.want)
			if calls != tt.calls || odd != tt.odd {
				t.Fatalf("got %d calls, %d odd; want %d, %d", calls, odd, tt.calls, tt.odd)
			}
		})
	}
}

func TestMissing(t *testing.T) {
	tests := []struct {
		seen []uint64
		want uint64
	}{
		{nil, 0},
		{[]uint64{5}, 0},
		{[]uint64{3, 2, 4}, 0}, // out of order is not a gap
		{[]uint64{1, 4, 2}, 1},
		{[]uint64{10, 20}, 9},
	}
	for _, tt := range tests {
		m := map[uint64]bool{}
		for _, s := range tt.seen {
			m[s] = true
		}
		if got := missing(m); got != tt.want {
			t.Errorf("missing(%v) = %d, want %d", tt.seen, got, tt.want)
		}
	}
}

// sse is a stream of two dtmf.digit events of call "b1" (SIP Call-ID
// "s1"), one of another call, and other events.
const sse = ": ivrbox events\n\n" +
	"id: 1\nevent: call.answered\ndata: {\"callid\":\"b1\"}\n\n" +
	"id: 2\nevent: dtmf.digit\ndata: {\"time\":\"2025-03-01T09:00:00.010Z\",\"callid\":\"b1\",\"digit\":\"1\"}\n\n" +
	"id: 4\nevent: dtmf.digit\ndata: {\"time\":\"2025-03-01T09:00:00.020Z\",\"callid\":\"x\",\"digit\":\"2\",\"call\":{\"sip_call_id\":\"s1\"}}\n\n" +
	"id: 5\nevent: dtmf.digit\ndata: {\"callid\":\"zz\",\"digit\":\"3\"}\n\n" +
	": keep-alive\n\n"

func TestReadEvents(t *testing.T) {
	c := &lcall{id: "s1"}
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	c.keys.presses = []keyPress{{digit: '1', sent: t0}, {digit: '2', sent: t0}}
	k := &keyer{}
	k.sent.Store(2)
	ready := make(chan struct{})
	bySIP := func(id string) *lcall {
		if id == "s1" {
			return c
		}
		return nil
	}
	k.readEvents(strings.NewReader(sse), ready, map[string]*lcall{"b1": c}, bySIP)
	select {
	case <-ready:
	default:
		t.Fatal("ready not closed by the greeting")
	}
	r := k.result()
	if r.matched != 2 || r.fallback != 1 || r.unknown != 1 || r.events != 4 || r.seqGaps != 1 {
		t.Fatalf("result %+v", r)
	}
	if r.box.p50 != 10*time.Millisecond || r.box.max != 20*time.Millisecond {
		t.Fatalf("publish latencies %v", r.box)
	}
}

func FuzzReadEvents(f *testing.F) {
	f.Add(sse)
	f.Add("id: x\nevent: dtmf.digit\ndata: {\n\n")
	f.Add("event: dtmf.digit\ndata: {\"callid\":\"b1\",\"digit\":\"\"}\n")
	f.Fuzz(func(t *testing.T, s string) {
		c := &lcall{id: "s1"}
		c.keys.presses = []keyPress{{digit: '1', sent: time.Now()}}
		k := &keyer{}
		k.readEvents(strings.NewReader(s), make(chan struct{}), map[string]*lcall{"b1": c},
			func(string) *lcall { return nil })
		_ = k.result()
	})
}
