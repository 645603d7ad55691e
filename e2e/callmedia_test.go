package e2e

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/g711"
	"github.com/ivrbox/ivrbox/media/tone"
)

// Tones of the media tests: the IVR plays boxHz, the caller sends callerHz.
const (
	boxHz    = 440
	callerHz = 1000
)

// mediaConfig is a config with IVR 7100 playing the 440 Hz prompt for a
// long while (recorded as record says, "" for none), IVR 7200 whose key 1
// is an API-control step (key abc, timeout s) followed by 6502, fork
// targets on loopback allowed, and a storage limit of maxMB (0: none).
func mediaConfig(record string, timeout, maxMB int) string {
	return fmt.Sprintf(`{"version": %d, "system": {"name": "media", "fork": {"allow_loopback": true},
 "recording": {"max_mb": %d}},
 "ivrs": [
  {"number": "7100", "prompts": ["a440"], "repeat": 50, "record": %q},
  {"number": "7200", "prompts": ["notice"], "repeat": 3, "wait": 2,
   "keys": {"1": {"type": "api", "api": {"key": "abc", "params": "{\"lang\":\"en\"}", "timeout": %d},
                  "next": {"type": "ivr", "target": "6502"}}}},
  {"number": "6502", "prompts": ["ok"], "repeat": 3, "wait": 1}]}`, config.SchemaVersion, maxMB, record, timeout)
}

// mediaPrompts are the prompt files of mediaConfig (with tones: true).
var mediaPrompts = map[string][]byte{"a440.wav": tone.WAV(tone.Sine([]float64{boxHz}, 1000, 0.4))}

// liveCall waits until the box lists a live call and returns its id.
func (c *adminClient) liveCall(d time.Duration) string {
	c.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		var calls []struct {
			ID    string `json:"id"`
			State string `json:"state"`
		}
		c.must("GET", "calls", nil, http.StatusOK, &calls)
		if len(calls) == 1 && calls[0].State == "answered" {
			return calls[0].ID
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatal("no answered call listed")
	return ""
}

// wavFile is a parsed 16-bit PCM WAV file.
type wavFile struct {
	channels int
	rate     int
	samples  []int16 // interleaved
	dataLen  int     // the data chunk's size as the header says
	size     int64   // the file's size
}

// readWAV parses a canonical 44-byte-header WAV file.
func readWAV(t *testing.T, path string) wavFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[36:40]) != "data" {
		t.Fatalf("%s: not a canonical WAV file (%d bytes)", path, len(b))
	}
	w := wavFile{channels: int(binary.LittleEndian.Uint16(b[22:])), rate: int(binary.LittleEndian.Uint32(b[24:])),
		dataLen: int(binary.LittleEndian.Uint32(b[40:])), size: int64(len(b))}
	if riff := int(binary.LittleEndian.Uint32(b[4:])); riff != len(b)-8 {
		t.Errorf("%s: RIFF size %d, file %d bytes", path, riff, len(b))
	}
	if bits := binary.LittleEndian.Uint16(b[34:]); bits != 16 || w.rate != 8000 {
		t.Fatalf("%s: %d-bit, %d Hz", path, bits, w.rate)
	}
	data := b[44:min(len(b), 44+w.dataLen)]
	for i := 0; i+1 < len(data); i += 2 {
		w.samples = append(w.samples, int16(binary.LittleEndian.Uint16(data[i:])))
	}
	return w
}

// duration is the audio's length.
func (w wavFile) duration() time.Duration {
	return time.Duration(len(w.samples)/w.channels) * time.Second / time.Duration(w.rate)
}

// channel returns channel ch of the middle of the file (its first and last
// half second left out: the call's start and end).
func (w wavFile) channel(ch int) []int16 {
	var out []int16
	for i := ch; i < len(w.samples); i += w.channels {
		out = append(out, w.samples[i])
	}
	if cut := w.rate / 2; len(out) > 4*cut {
		out = out[cut : len(out)-cut]
	}
	return out
}

// tones says which of the two test tones a signal holds (power over 0.05).
func tones(pcm []int16) string {
	var out []string
	for _, f := range []float64{callerHz, boxHz} {
		if tone.Power(pcm, f) > 0.05 {
			out = append(out, fmt.Sprint(f))
		}
	}
	return strings.Join(out, "+")
}

// recordingFiles waits for the call record of the box call id and returns
// its recordings' files, by format.
func (c *adminClient) recordingFiles(id string, want int) map[string][]string {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var recs []struct {
			ID         string `json:"id"`
			Recordings []struct {
				Format string   `json:"format"`
				Files  []string `json:"files"`
			} `json:"recordings"`
		}
		c.must("GET", "records", nil, http.StatusOK, &recs)
		for _, r := range recs {
			if r.ID == id && len(r.Recordings) >= want {
				out := map[string][]string{}
				for _, x := range r.Recordings {
					out[x.Format] = x.Files
				}
				return out
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("no call record of %s with %d recordings", id, want)
	return nil
}

// mediaCall starts a box with mediaConfig(record, 5, 0) and a call to its
// 440 Hz IVR 7100 from a caller sending 1 kHz, for scenario sc, and returns
// the admin client, the caller's peer, SIPp's run and the box's call id once
// the call is answered.
func mediaCall(t *testing.T, record string, sc *scenario) (*box, *adminClient, *peer, *sippRun, string) {
	t.Helper()
	b := startBox(t, boxOpts{tones: true, prompts: mediaPrompts, config: mediaConfig(record, 5, 0)})
	c := admin(t, b)
	p := newPeer(t, 0)
	p.loopTone(callerHz)
	r := sipp(t, b, "7100", sc, p, "udp")
	return b, c, p, r, c.liveCall(5 * time.Second)
}

// TestRecordingChannelsByTone: the caller sends 1 kHz while the IVR plays
// 440 Hz; the IVR records the call in stereo and the admin API adds a mixed
// recording: the caller's channel holds 1 kHz and not 440 Hz, the box's the
// opposite, the mixed file both; both are listed with the call record.
func TestRecordingChannelsByTone(t *testing.T) {
	t.Parallel()
	b, c, _, r, id := mediaCall(t, "stereo", new(scenario).invite(false).answered(false).pause(6*time.Second).bye())
	var started struct {
		ID string `json:"id"`
	}
	c.must("POST", "calls/"+id+"/recordings", map[string]string{"format": "mixed"}, http.StatusCreated, &started)
	r.wait(t)
	files := c.recordingFiles(id, 2)
	if len(files["stereo"]) != 1 || len(files["mixed"]) != 1 {
		t.Fatalf("recordings %v, want one stereo and one mixed file", files)
	}
	dir := filepath.Join(b.dir, "recordings")
	st := readWAV(t, filepath.Join(dir, files["stereo"][0]))
	mx := readWAV(t, filepath.Join(dir, files["mixed"][0]))
	if st.channels != 2 || mx.channels != 1 {
		t.Fatalf("channels: stereo %d, mixed %d", st.channels, mx.channels)
	}
	if got := tones(st.channel(0)); got != "1000" {
		t.Errorf("stereo caller channel holds %q, want 1000", got)
	}
	if got := tones(st.channel(1)); got != "440" {
		t.Errorf("stereo box channel holds %q, want 440", got)
	}
	if got := tones(mx.channel(0)); got != "1000+440" {
		t.Errorf("mixed file holds %q, want both", got)
	}
	if d := st.duration(); d < 5*time.Second || d > 8*time.Second {
		t.Errorf("stereo recording lasts %v, the call about 6 s", d)
	}
	if ev := b.events("recording.finished", id); len(ev) != 2 {
		t.Errorf("recording.finished events: %q", ev)
	}
}

// TestRecordingSurvivesKill: the box is killed (SIGKILL) in the middle of a
// recorded call; at the next start the file it left is repaired into a
// valid WAV file whose length matches what was recorded.
func TestRecordingSurvivesKill(t *testing.T) {
	t.Parallel()
	b, _, _, _, _ := mediaCall(t, "stereo", new(scenario).invite(false).answered(false).pause(30*time.Second).bye())
	b.waitLog(5*time.Second, "event.kind=recording.started")
	recorded := time.Now()
	time.Sleep(4 * time.Second)
	recorded4 := time.Since(recorded)
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-b.exited
	_ = b.cmd.Wait()
	var parts []string
	_ = filepath.WalkDir(filepath.Join(b.dir, "recordings"), func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".part") {
			parts = append(parts, path)
		}
		return nil
	})
	if len(parts) != 1 {
		t.Fatalf("files left open by the kill: %q", parts)
	}
	b2 := startBox(t, boxOpts{dir: b.dir, ports: b})
	b2.waitLog(5*time.Second, "repaired")
	fixed := strings.TrimSuffix(parts[0], ".part")
	w := readWAV(t, fixed)
	if w.dataLen != int(w.size-44) {
		t.Errorf("data chunk %d bytes, file %d: the header does not match the data", w.dataLen, w.size)
	}
	if d := w.duration(); d < recorded4-1500*time.Millisecond || d > recorded4+500*time.Millisecond {
		t.Errorf("repaired recording lasts %v, %v were recorded before the kill", d, recorded4)
	}
	if got := tones(w.channel(0)); got != "1000" {
		t.Errorf("repaired caller channel holds %q", got)
	}
}

// TestRecordingStorageLimit: the recordings' storage limit is reached in the
// middle of a recorded call: the recording stops with an event saying so,
// and the call goes on.
func TestRecordingStorageLimit(t *testing.T) {
	t.Parallel()
	prepare := func(dir string) { // 1 MiB allowed, all but 48 KB (1.5 s of stereo) taken
		rdir := filepath.Join(dir, "recordings")
		if err := os.MkdirAll(rdir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(rdir, "old.bin"), make([]byte, 1<<20-48_000), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := startBox(t, boxOpts{tones: true, prompts: mediaPrompts, config: mediaConfig("stereo", 5, 1), prepare: prepare})
	p := newPeer(t, 0)
	r := sipp(t, b, "7100", new(scenario).invite(false).answered(false).pause(7*time.Second).bye(), p, "udp")
	b.waitLog(6*time.Second, "event.kind=recording.finished", "recording_reason=storage-full")
	heardBefore := p.frameCount()
	time.Sleep(2 * time.Second)
	if n := p.frameCount() - heardBefore; n < 80 {
		t.Errorf("the caller got %d frames in the 2 s after the limit: the call should go on", n)
	}
	r.wait(t)
	// SIPp is done once its BYE is answered; the box publishes call.ended
	// as it finishes the call, just after.
	b.waitLog(10*time.Second, "event.kind=call.ended")
	if ended := b.events("call.ended", ""); len(ended) != 1 || !strings.Contains(ended[0], "remote-bye") {
		t.Errorf("call ended %q, want by the caller's BYE", ended)
	}
}

// rtpListener is a UDP socket a fork sends to, keeping what arrives.
type rtpListener struct {
	conn *net.UDPConn
}

func newRTPListener(t *testing.T) *rtpListener {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rtpListener{conn: c}
}

func (l *rtpListener) url() string { return "udp://" + l.conn.LocalAddr().String() }

// read reads n packets, checking sequence numbers run without a gap, and
// returns their audio decoded.
func (l *rtpListener) read(t *testing.T, n int) []int16 {
	t.Helper()
	_ = l.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 1500)
	var pcm []int16
	var last uint16
	for i := range n {
		k, err := l.conn.Read(buf)
		if err != nil {
			t.Fatalf("packet %d of %d: %v", i, n, err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:k]); err != nil || p.PayloadType != 0 {
			t.Fatalf("packet %d: %v, PT %d", i, err, p.PayloadType)
		}
		if i > 0 && p.SequenceNumber != last+1 {
			t.Errorf("sequence %d after %d", p.SequenceNumber, last)
		}
		last = p.SequenceNumber
		out := make([]int16, len(p.Payload))
		g711.DecodeULaw(out, p.Payload)
		pcm = append(pcm, out...)
	}
	return pcm
}

// TestForkToListeners: a live call's two directions are forked to two UDP
// listeners through the admin API: each gets its side (by tone) as RTP with
// continuous sequence numbers; a fork to a closed port leaves the call
// unaffected; the forks stop at hang-up.
func TestForkToListeners(t *testing.T) {
	t.Parallel()
	b, c, p, r, id := mediaCall(t, "", new(scenario).invite(false).answered(false).pause(7*time.Second).bye())
	in, out := newRTPListener(t), newRTPListener(t)
	var f struct {
		ID string `json:"id"`
	}
	c.must("POST", "calls/"+id+"/forks", map[string]string{"in": in.url(), "out": out.url(), "tag": "asr"}, http.StatusCreated, &f)
	if got := tones(in.read(t, 100)[8000:]); got != "1000" {
		t.Errorf("the caller's side (in) holds %q", got)
	}
	if got := tones(out.read(t, 100)[8000:]); got != "440" {
		t.Errorf("the box's side (out) holds %q", got)
	}
	// A target nobody listens on: the call goes on.
	closed := newRTPListener(t)
	dead := closed.url()
	closed.conn.Close()
	c.must("DELETE", "calls/"+id+"/forks/"+f.ID, nil, http.StatusNoContent, nil)
	c.must("POST", "calls/"+id+"/forks", map[string]string{"in": dead, "out": dead}, http.StatusCreated, nil)
	before := p.frameCount()
	time.Sleep(2 * time.Second)
	if n := p.frameCount() - before; n < 80 {
		t.Errorf("the caller got %d frames in 2 s with a fork to a closed port", n)
	}
	code, _, body := c.do("POST", "calls/"+id+"/forks", map[string]string{"in": "udp://224.0.0.1:5004"})
	if code != http.StatusBadRequest {
		t.Errorf("multicast target: %d %s", code, body)
	}
	r.wait(t)
	// SIPp is done once its BYE is answered; the box stops the call's forks
	// as the call ends, just after: wait for that event before counting.
	b.waitLog(10*time.Second, "event.kind=fork.stopped", "event.call="+id+" ", "event.fork_reason=hangup")
	if stopped := b.events("fork.stopped", id); len(stopped) != 2 || !strings.Contains(stopped[1], "fork_reason=hangup") {
		t.Errorf("fork.stopped events: %q", stopped)
	}
}
