// What the cloud tests hear: RTP listeners the box's monitor-call forks send
// to, and the caller's received audio, both as 20 ms frames told by tone.

package e2e

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/media/g711"
	"github.com/ivrbox/ivrbox/media/tone"
)

// toneFrame is one 20 ms frame of audio, told by its dominant tone.
type toneFrame struct {
	at   time.Time // when it arrived
	ts   uint32    // its RTP timestamp (0 when not known)
	freq float64   // the dominant tone of cloudFreqs; 0 for silence or no clear tone
}

// frameTone tells a frame by its dominant tone among cloudFreqs (0: quiet,
// or no tone carries more than half of the energy).
func frameTone(pcm []int16) float64 {
	if energy(pcm) < 1e5 {
		return 0
	}
	if f, ratio := tone.Dominant(pcm, cloudFreqs); ratio > 0.5 {
		return f
	}
	return 0
}

// rtpSink is a UDP listener a monitor-call fork sends to: it keeps every
// packet's arrival, timestamp and tone.
type rtpSink struct {
	t    *testing.T
	conn *net.UDPConn
	wg   sync.WaitGroup

	mu     sync.Mutex
	frames []toneFrame
	bad    int // packets that are not G.711 RTP of 160 samples
}

// newRTPSink listens on a free loopback UDP port until the test ends.
func newRTPSink(t *testing.T) *rtpSink {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := &rtpSink{t: t, conn: c}
	s.wg.Go(s.recv)
	t.Cleanup(func() {
		c.Close()
		s.wg.Wait()
	})
	return s
}

// url is the sink's address as monitor-call takes it.
func (s *rtpSink) url() string { return "udp://" + s.conn.LocalAddr().String() }

// recv reads packets until the socket is closed.
func (s *rtpSink) recv() {
	buf := make([]byte, 1500)
	pcm := make([]int16, 160)
	for {
		n, err := s.conn.Read(buf)
		if err != nil {
			return
		}
		at := time.Now()
		var p rtp.Packet
		ok := p.Unmarshal(buf[:n]) == nil && len(p.Payload) == 160 && (p.PayloadType == 0 || p.PayloadType == 8)
		if ok && p.PayloadType == 0 {
			g711.DecodeULaw(pcm, p.Payload)
		} else if ok {
			g711.DecodeALaw(pcm, p.Payload)
		}
		s.mu.Lock()
		if ok {
			s.frames = append(s.frames, toneFrame{at: at, ts: p.Timestamp, freq: frameTone(pcm)})
		} else {
			s.bad++
		}
		s.mu.Unlock()
	}
}

// heard returns the frames received so far.
func (s *rtpSink) heard() []toneFrame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]toneFrame(nil), s.frames...)
}

// count is the number of packets received so far, good or bad.
func (s *rtpSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.frames) + s.bad
}

// callerEar tells the frames the caller's peer received by tone, each
// frame once.
type callerEar struct {
	p      *peer
	mu     sync.Mutex
	frames []toneFrame
}

// heard returns the caller's frames so far.
func (e *callerEar) heard() []toneFrame {
	e.p.mu.Lock()
	fresh := make([]toneFrame, 0, len(e.p.frames))
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.p.frames[len(e.frames):] {
		fresh = append(fresh, toneFrame{at: f.at, freq: frameTone(f.pcm[:])})
	}
	e.p.mu.Unlock()
	e.frames = append(e.frames, fresh...)
	return append([]toneFrame(nil), e.frames...)
}

// runAfter returns the first frame, arrived at since or later, that starts
// run consecutive frames of freq (0: quiet).
func runAfter(frames []toneFrame, since time.Time, freq float64, run int) (toneFrame, bool) {
	n := 0
	for i, f := range frames {
		if f.at.Before(since) || f.freq != freq {
			n = 0
			continue
		}
		if n++; n == run {
			return frames[i-run+1], true
		}
	}
	return toneFrame{}, false
}

// countTone counts the frames of freq that arrived in [from, to).
func countTone(frames []toneFrame, freq float64, from, to time.Time) int {
	n := 0
	for _, f := range frames {
		if f.freq == freq && !f.at.Before(from) && f.at.Before(to) {
			n++
		}
	}
	return n
}

// waitRun waits, up to d, until heard shows run consecutive frames of freq
// arrived at since or later, and returns the first of them.
func waitRun(t *testing.T, what string, heard func() []toneFrame, since time.Time, freq float64, run int, d time.Duration) toneFrame {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	for {
		if f, ok := runAfter(heard(), since, freq, run); ok {
			return f
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: no %d frames of %v Hz within %v; heard %s", what, run, freq, d, toneSummary(heard(), since))
			return toneFrame{}
		}
	}
}

// waitNoPackets waits, up to d, until the sink has received nothing for
// quiet, and reports whether it did.
func (s *rtpSink) waitNoPackets(quiet, d time.Duration) bool {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(d)
	last, lastAt := s.count(), time.Now()
	for {
		select {
		case <-tick.C:
		case <-deadline:
			return false
		}
		if n := s.count(); n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) >= quiet {
			return true
		}
	}
}

// toneSummary shows the frames since a time as runs: "1500x12 0x3 700x50".
func toneSummary(frames []toneFrame, since time.Time) string {
	var out []byte
	var cur float64 = -1
	n := 0
	flush := func() {
		if n > 0 {
			out = append(out, []byte(" "+anyStr(cur)+"x"+anyStr(float64(n)))...)
		}
	}
	for _, f := range frames {
		if f.at.Before(since) {
			continue
		}
		if f.freq != cur {
			flush()
			cur, n = f.freq, 0
		}
		n++
	}
	flush()
	if len(out) == 0 {
		return "nothing"
	}
	return string(out[1:])
}
