package call

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/rtp"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/fork"
	"github.com/ivrbox/ivrbox/media/record"
)

// withRecorder gives the rig's manager a recorder writing under dir.
func withRecorder(t *testing.T, dir string) func(*Options) {
	return func(o *Options) {
		rec, err := record.New(record.Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(rec.Close)
		o.Recorder = rec
	}
}

func TestRecordCommand(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t, withRecorder(t, dir))
		o := r.submit(r.c.base, Command{Kind: KindRecord, Beep: true, FinishKeys: "#", MaxDuration: time.Minute})
		time.Sleep(3 * time.Second) // the caller speaks
		r.key("#")
		res := r.wait(o)
		if res.Status != StatusDone || res.Key != "#" || res.File == "" || res.Length < 2*time.Second || res.Length > 3*time.Second {
			t.Fatalf("record: %+v", res)
		}
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(res.File)))
		if err != nil || fi.Size() < 44+2*8000*2 {
			t.Errorf("file %s: %v %v", res.File, fi, err)
		}
		// Ended by its limit, and stopped by the controller.
		res = r.wait(r.submit(r.c.base, Command{Kind: KindRecord, MaxDuration: time.Second}))
		if res.Status != StatusDone || res.Reason != record.ReasonMaxDuration || res.Length != time.Second {
			t.Errorf("record to the limit: %+v", res)
		}
		o = r.submit(r.c.base, Command{Kind: KindRecord})
		time.Sleep(time.Second)
		r.c.base.Stop()
		if res := r.wait(o); res.Status != StatusStopped || res.File == "" {
			t.Errorf("stopped record: %+v", res)
		}
		var started, finished int
		for _, e := range r.events() {
			switch e.Kind {
			case event.RecordingStarted:
				started++
			case event.RecordingFinished:
				finished++
			}
		}
		if started != 3 || finished != 3 {
			t.Errorf("%d recordings started, %d finished, want 3 and 3", started, finished)
		}
	})
}

func TestWholeCallRecordingStopsAtHangup(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t, withRecorder(t, dir))
		if _, err := r.c.StartRecording("surround"); CodeOf(err) != CodeBadRequest {
			t.Errorf("bad format: %v", err)
		}
		id, err := r.c.StartRecording("stereo")
		if err != nil {
			t.Fatal(err)
		}
		if !r.c.Recording() || len(r.c.Recordings()) != 1 || r.c.Recordings()[0].ID != id {
			t.Errorf("recordings %+v", r.c.Recordings())
		}
		r.wait(r.submit(r.c.base, Command{Kind: KindPlay, Prompts: []string{"p1s"}}))
		r.end()
		var fin *event.Recording
		var order []event.Kind
		for _, e := range r.events() {
			switch e.Kind {
			case event.RecordingFinished:
				fin = e.Recording
				order = append(order, e.Kind)
			case event.CallEnded:
				order = append(order, e.Kind)
			}
		}
		if fin == nil || fin.Reason != "hangup" || len(fin.Files) != 1 || fin.Duration < 1 || fin.Format != "stereo" {
			t.Fatalf("finished %+v", fin)
		}
		if len(order) != 2 || order[0] != event.RecordingFinished {
			t.Errorf("events %q: the recording finishes before the call ends", order)
		}
	})
}

func TestRecordingStorageFullGoesOn(t *testing.T) {
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t, func(o *Options) {
			rec, err := record.New(record.Options{Dir: dir, MaxBytes: 40_000}) // about 2.5 s of mono
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(rec.Close)
			o.Recorder = rec
		})
		if _, err := r.c.StartRecording("mixed"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if r.c.Recording() {
			t.Error("still recording past the storage limit")
		}
		if _, err := r.c.StartRecording("mixed"); !errors.Is(err, ErrStorageFull) {
			t.Errorf("a new recording past the limit: %v", err)
		}
		// The call goes on.
		if res := r.wait(r.submit(r.c.base, Command{Kind: KindPlay, Prompts: []string{"p100"}})); res.Status != StatusDone {
			t.Errorf("play after the limit: %+v", res)
		}
		var reasons []string
		for _, e := range r.events() {
			if e.Kind == event.RecordingFinished {
				reasons = append(reasons, e.Recording.Reason)
			}
		}
		if len(reasons) != 2 || reasons[0] != record.ReasonStorageFull || reasons[1] != record.ReasonStorageFull {
			t.Errorf("finished reasons %q", reasons)
		}
	})
}

func TestForks(t *testing.T) {
	in, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	fk, err := fork.New(fork.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fk.Close()
	r := newCallRig(t, func(o *Options) { o.Forker = fk })
	target := "udp://" + in.LocalAddr().String()
	ctx := context.Background()
	if _, err := r.c.StartFork(ctx, target, "", "t1"); CodeOf(err) != CodeBadRequest {
		t.Errorf("loopback target without allow_loopback: %v", err)
	}
	r.cfg.System.Fork = config.Fork{AllowLoopback: true, MaxPerCall: 1}
	for _, bad := range []string{"http://1.2.3.4:5", "udp://1.2.3.4", "udp://224.0.0.1:5000", "udp://0.0.0.0:5000"} {
		if _, err := r.c.StartFork(ctx, bad, "", ""); CodeOf(err) != CodeBadRequest {
			t.Errorf("target %q: %v, want bad-request", bad, err)
		}
	}
	if _, err := r.c.StartFork(ctx, "", "", ""); CodeOf(err) != CodeBadRequest {
		t.Errorf("no target: %v", err)
	}
	f, err := r.c.StartFork(ctx, target, "", "t1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.c.StartFork(ctx, target, "", "t2"); CodeOf(err) != CodeLimit {
		t.Errorf("second fork past max_per_call 1: %v", err)
	}
	_ = in.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1500)
	var last uint16
	for i := range 20 {
		n, err := in.Read(buf)
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil || p.PayloadType != 0 || len(p.Payload) != 160 {
			t.Fatalf("packet %d: %v %+v", i, err, p.Header)
		}
		if i > 0 && p.SequenceNumber != last+1 {
			t.Errorf("sequence %d after %d", p.SequenceNumber, last)
		}
		last = p.SequenceNumber
	}
	if got := r.c.Forks(); len(got) != 1 || got[0].ID != f.ID || got[0].Tag != "t1" {
		t.Errorf("forks %+v", got)
	}
	if err := r.c.StopFork("nope"); CodeOf(err) != CodeBadRequest {
		t.Errorf("stop unknown fork: %v", err)
	}
	r.end() // hang-up stops the fork
	if n := fk.Len(); n != 0 {
		t.Errorf("%d forks left after the hang-up", n)
	}
	var stopped *event.Fork
	for _, e := range r.events() {
		if e.Kind == event.ForkStopped {
			stopped = e.Fork
		}
	}
	if stopped == nil || stopped.Reason != "hangup" || stopped.Packets < 20 {
		t.Errorf("fork stopped %+v", stopped)
	}
}
