package conf

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/record"
	"github.com/ivrbox/ivrbox/media/stream"
)

// recRig is a rig whose manager records into a temporary folder.
func recRig(t *testing.T) (*rig, string) {
	t.Helper()
	dir := t.TempDir()
	rec, err := record.New(record.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Close) // after the manager's Close (cleanups run last first)
	return newRig(t, Options{Recorder: rec}), dir
}

// waitEvent returns the next event of kind, skipping others.
func (r *rig) waitEvent(kind event.Kind) event.Event {
	r.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-r.sub.C():
			if e.Kind == kind {
				return e
			}
		case <-timeout:
			r.t.Fatalf("no %s event", kind)
		}
	}
}

// talk runs n frames with a saying something loud and b silence.
func (r *rig) talk(n int, a, b *joined) {
	for range n {
		a.media.say(loud())
		b.media.say(make([]int16, stream.FrameSamples))
		r.mix.Tick()
		a.media.hear()
		b.media.hear()
	}
}

// readWAV returns the samples of a mono 16-bit WAV file under dir,
// checking that its header counts them.
func readWAV(t *testing.T, dir, file string) []int16 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(file)))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("%s is not a WAV file", file)
	}
	if ch := binary.LittleEndian.Uint16(b[22:]); ch != 1 {
		t.Errorf("%s has %d channels, want 1", file, ch)
	}
	if n := binary.LittleEndian.Uint32(b[40:]); int(n) != len(b)-44 {
		t.Errorf("%s: header counts %d data bytes, the file holds %d", file, n, len(b)-44)
	}
	pcm := make([]int16, (len(b)-44)/2)
	for i := range pcm {
		pcm[i] = int16(binary.LittleEndian.Uint16(b[44+2*i:]))
	}
	return pcm
}

func TestRecordRoom(t *testing.T) {
	r, dir := recRig(t)
	id := r.create(Spec{}).ID
	a, b := r.mustJoin(id, "a"), r.mustJoin(id, "b")
	defer a.leave()
	defer b.leave()
	r.events()
	file, err := r.m.Record(id)
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`^\d{4}/\d\d/\d\d/conf-` + id + `-\d{6}\.wav$`)
	if !want.MatchString(file) {
		t.Errorf("file %q, want <date>/conf-%s-<hhmmss>.wav", file, id)
	}
	if in, _ := r.m.Get(id); in.Recording != file {
		t.Errorf("Info.Recording = %q, want %q", in.Recording, file)
	}
	e := r.waitEvent(event.RecordingStarted)
	if e.CallID != "" || e.Conf == nil || e.Conf.ID != id || e.Conf.Members != 2 || e.Recording == nil ||
		e.Recording.Format != "in" || e.Recording.ID != "r1" || len(e.Recording.Files) != 1 || e.Recording.Files[0] != file {
		t.Errorf("started event %+v conf %+v recording %+v", e, e.Conf, e.Recording)
	}
	if _, err := r.m.Record(id); !errors.Is(err, ErrRecording) {
		t.Errorf("a second Record: %v, want ErrRecording", err)
	}

	r.talk(40, a, b)
	if err := r.m.StopRecord(id); err != nil {
		t.Fatal(err)
	}
	e = r.waitEvent(event.RecordingFinished)
	if e.CallID != "" || e.Conf == nil || e.Conf.ID != id || e.Recording == nil || e.Recording.Reason != record.ReasonStopped ||
		len(e.Recording.Files) != 1 || e.Recording.Files[0] != file || e.Recording.Duration != 0.8 || e.Recording.Bytes != 44+40*320 {
		t.Errorf("finished event %+v conf %+v recording %+v", e, e.Conf, e.Recording)
	}
	pcm := readWAV(t, dir, file)
	if len(pcm) != 40*stream.FrameSamples {
		t.Fatalf("%d samples, want 40 frames", len(pcm))
	}
	if l := level(pcm); l < 6000 {
		t.Errorf("the recording's level is %d, want a's loud frames (8000)", l)
	}
	if in, _ := r.m.Get(id); in.Recording != "" {
		t.Errorf("Info.Recording = %q after StopRecord", in.Recording)
	}
	if err := r.m.StopRecord(id); !errors.Is(err, ErrNotRecording) {
		t.Errorf("StopRecord again: %v, want ErrNotRecording", err)
	}

	second, err := r.m.Record(id) // a room records again, into a new file
	if err != nil || second == file {
		t.Fatalf("Record again: %q, %v; want a new file", second, err)
	}
	if e := r.waitEvent(event.RecordingStarted); e.Recording.ID != "r2" {
		t.Errorf("second recording's id %q, want r2", e.Recording.ID)
	}
	_ = r.m.StopRecord(id)
}

// TestRecordingEndsWithTheRoom: ending the room (or the manager closing)
// finalises its recording, with the room's reason.
func TestRecordingEndsWithTheRoom(t *testing.T) {
	for _, tc := range []struct {
		name, reason string
		end          func(r *rig, id string)
	}{
		{"end", ReasonEnded, func(r *rig, id string) { _ = r.m.End(id) }},
		{"empty", ReasonEmpty, nil},
		{"close", ReasonShutdown, func(r *rig, _ string) { _ = r.m.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, dir := recRig(t)
			id := r.create(Spec{}).ID
			a, b := r.mustJoin(id, "a"), r.mustJoin(id, "b")
			file, err := r.m.Record(id)
			if err != nil {
				t.Fatal(err)
			}
			r.talk(25, a, b)
			if tc.end != nil {
				tc.end(r, id)
			}
			a.leave()
			b.leave()
			e := r.waitEvent(event.RecordingFinished)
			if e.Recording.Reason != tc.reason || len(e.Recording.Files) != 1 || e.Recording.Files[0] != file {
				t.Errorf("finished %+v, want reason %s and %s", e.Recording, tc.reason, file)
			}
			if n := len(readWAV(t, dir, file)); n != 25*stream.FrameSamples {
				t.Errorf("%d samples, want 25 frames", n)
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file)+".part")); err == nil {
				t.Error("the .part file is left")
			}
		})
	}
}

// fullRecorder refuses every recording: the storage is full.
type fullRecorder struct{}

func (fullRecorder) Start(record.Attacher, record.Spec) (*record.Recording, error) {
	return nil, record.ErrFull
}

func TestRecordErrors(t *testing.T) {
	plain := newRig(t, Options{})
	id := plain.create(Spec{}).ID
	if _, err := plain.m.Record(id); !errors.Is(err, ErrNoRecorder) {
		t.Errorf("no recorder: %v, want ErrNoRecorder", err)
	}
	r := newRig(t, Options{Recorder: fullRecorder{}})
	id = r.create(Spec{}).ID
	if _, err := r.m.Record("nope"); !errors.Is(err, ErrNoRoom) {
		t.Errorf("no room: %v, want ErrNoRoom", err)
	}
	if err := r.m.StopRecord("nope"); !errors.Is(err, ErrNoRoom) {
		t.Errorf("StopRecord, no room: %v, want ErrNoRoom", err)
	}
	r.events()
	if _, err := r.m.Record(id); !errors.Is(err, record.ErrFull) {
		t.Errorf("storage full: %v, want record.ErrFull", err)
	}
	evs := r.events()
	if len(evs) != 1 || evs[0].Kind != event.RecordingFinished || evs[0].Recording.Reason != record.ReasonStorageFull ||
		evs[0].Conf.ID != id || len(evs[0].Recording.Files) != 0 {
		t.Errorf("events %v, want one recording.finished storage-full", describe(evs))
	}
	if in, _ := r.m.Get(id); in.Recording != "" {
		t.Errorf("Info.Recording = %q", in.Recording)
	}
	if _, err := r.m.Record(id); !errors.Is(err, record.ErrFull) { // the place was given back
		t.Errorf("again: %v, want record.ErrFull", err)
	}
	_ = r.m.Close()
	if _, err := r.m.Record(id); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
	if !strings.Contains(ErrRecording.Error(), "recording") {
		t.Error(ErrRecording)
	}
}

// TestRecordRacingEnd records rooms while they end (run with -race):
// every Record either fails or its recording is finalised and told.
func TestRecordRacingEnd(t *testing.T) {
	r, _ := recRig(t)
	for range 20 {
		id := r.create(Spec{}).ID
		done := make(chan error, 1)
		go func() {
			_, err := r.m.Record(id)
			done <- err
		}()
		_ = r.m.End(id)
		if err := <-done; err != nil && !errors.Is(err, ErrNoRoom) {
			t.Errorf("Record racing End: %v", err)
		}
	}
	_ = r.m.Close() // waits for every recording
	started, finished := 0, 0
	for _, e := range r.events() {
		switch e.Kind {
		case event.RecordingStarted:
			started++
		case event.RecordingFinished:
			finished++
		}
	}
	if started != finished {
		t.Errorf("%d recordings started, %d finished", started, finished)
	}
}
