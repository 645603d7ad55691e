package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sync"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/stream"
)

func TestPlayAndBargeIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		ctl := r.c.base
		start := time.Now()
		res := r.wait(r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p100", "p100"}}))
		if res.Status != StatusDone || time.Since(start) < 200*time.Millisecond {
			t.Errorf("play: %+v after %v, want done after 200 ms", res, time.Since(start))
		}
		o := r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p1s"}, BargeIn: true, Tag: "menu"})
		time.Sleep(300 * time.Millisecond) // the caller listens a while, then presses 5
		r.key("5")
		if res := r.wait(o); res.Status != StatusKey || res.Key != "5" || res.Tag != "menu" {
			t.Errorf("barge-in play: %+v", res)
		}
		// Without barge-in, keys are discarded: the next collect sees none.
		o = r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p100"}})
		r.key("7")
		r.wait(o)
		if res := r.wait(r.submit(ctl, Command{Kind: KindCollect, MaxDigits: 1})); res.Status != StatusTimeout {
			t.Errorf("collect after a plain play: %+v, want timeout (the key was discarded)", res)
		}
		// A key typed ahead of a barge-in play ends it at once.
		r.key("9")
		synctest.Wait()
		if res := r.wait(r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p1s"}, BargeIn: true})); res.Status != StatusKey || res.Key != "9" {
			t.Errorf("typed-ahead barge-in: %+v", res)
		}
		// A missing prompt is skipped with an event; the rest plays.
		if res := r.wait(r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"nope", "p100"}})); res.Status != StatusDone {
			t.Errorf("play with a missing prompt: %+v", res)
		}
		var skipped, digits []string
		for _, e := range r.events() {
			switch e.Kind {
			case event.PromptSkipped:
				skipped = append(skipped, e.Prompt)
			case event.DTMFDigit:
				digits = append(digits, fmt.Sprintf("%s/%d", e.Digit, e.Flag))
			}
		}
		if !slices.Equal(skipped, []string{"nope"}) || !slices.Equal(digits, []string{"5/0", "7/1", "9/2"}) {
			t.Errorf("skipped %q, digits %q", skipped, digits)
		}
	})
}

func TestPlayLoopsUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		ctl := r.c.base
		three := r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p100"}, Loop: 3})
		start := time.Now()
		if res := r.wait(three); res.Status != StatusDone || time.Since(start) < 300*time.Millisecond {
			t.Errorf("loop 3: %+v after %v", res, time.Since(start))
		}
		forever := r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p100"}, Loop: -1})
		queued := r.submit(ctl, Command{Kind: KindWait, Duration: time.Second})
		time.Sleep(5 * time.Second)
		select {
		case <-forever.Done():
			t.Fatal("an endless play ended by itself")
		default:
		}
		ctl.Stop()
		if a, b := r.wait(forever), r.wait(queued); a.Status != StatusStopped || b.Status != StatusStopped {
			t.Errorf("stop: running %+v, queued %+v", a, b)
		}
	})
}

func TestCollect(t *testing.T) {
	tests := []struct {
		name    string
		cmd     Command
		ahead   string // typed before the command
		keys    string // pressed during its wait
		want    Result
		minWait time.Duration // the result comes no sooner
	}{
		{"finish key", Command{MaxDigits: 10, FinishKeys: "#", FirstTimeout: 5 * time.Second}, "", "123#",
			Result{Status: StatusDone, Digits: "123", Key: "#"}, 0},
		{"max digits", Command{MaxDigits: 4, FirstTimeout: 5 * time.Second}, "", "56789",
			Result{Status: StatusDone, Digits: "5678"}, 0},
		{"typed ahead counts", Command{MaxDigits: 3, FirstTimeout: 5 * time.Second}, "12", "3",
			Result{Status: StatusDone, Digits: "123"}, 0},
		{"clear ahead drops keys typed before", Command{MaxDigits: 3, FirstTimeout: 5 * time.Second, ClearAhead: true}, "12", "345",
			Result{Status: StatusDone, Digits: "345"}, 0},
		{"too few before the finish key", Command{MinDigits: 4, MaxDigits: 8, FinishKeys: "#", FirstTimeout: time.Second}, "", "12#",
			Result{Status: StatusInvalid, Digits: "12", Key: "#"}, 0},
		{"no key at all", Command{MaxDigits: 4, FirstTimeout: 3 * time.Second}, "", "",
			Result{Status: StatusTimeout, Reason: "timeout"}, 3 * time.Second},
		{"inter-digit timeout keeps the digits", Command{MaxDigits: 8, FirstTimeout: 3 * time.Second, InterTimeout: 2 * time.Second}, "", "42",
			Result{Status: StatusDone, Digits: "42", Reason: "timeout"}, 2 * time.Second},
		{"prompts stop at the first key", Command{Prompts: []string{"p1s", "p1s"}, MaxDigits: 2, FirstTimeout: time.Second}, "", "77",
			Result{Status: StatusDone, Digits: "77"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newCallRig(t)
				r.key(tt.ahead)
				synctest.Wait()
				cmd := tt.cmd
				cmd.Kind = KindCollect
				start := time.Now()
				o := r.submit(r.c.base, cmd)
				synctest.Wait()
				r.key(tt.keys)
				got := r.wait(o)
				got.ID, got.Kind = 0, ""
				if got.Status != tt.want.Status || got.Digits != tt.want.Digits || got.Key != tt.want.Key || got.Reason != tt.want.Reason {
					t.Errorf("result %+v, want %+v", got, tt.want)
				}
				if took := time.Since(start); took < tt.minWait {
					t.Errorf("result after %v, want at least %v", took, tt.minWait)
				}
			})
		})
	}
}

func TestCommandsFromManyGoroutinesRunInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		ctl := r.c.base
		const goroutines, each = 4, 8
		ops := make([][]*Op, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range each {
					ops[g] = append(ops[g], r.submit(ctl, Command{Kind: KindWait, Duration: 20 * time.Millisecond,
						Tag: fmt.Sprintf("%d.%d", g, i)}))
				}
			})
		}
		wg.Wait()
		for g := range goroutines {
			for _, o := range ops[g] {
				if res := r.wait(o); res.Status != StatusDone {
					t.Errorf("%s: %+v", o.cmd.Tag, res)
				}
			}
		}
		// Results came one at a time; each goroutine's in its own order.
		var finished []string
		for _, e := range r.events() {
			if e.Kind == event.CommandFinished {
				finished = append(finished, e.Command.Tag)
			}
		}
		if len(finished) != goroutines*each {
			t.Fatalf("%d results, want %d", len(finished), goroutines*each)
		}
		for g := range goroutines {
			var mine []string
			for _, tag := range finished {
				var gg, i int
				fmt.Sscanf(tag, "%d.%d", &gg, &i)
				if gg == g {
					mine = append(mine, tag)
				}
			}
			for i, tag := range mine {
				if tag != fmt.Sprintf("%d.%d", g, i) {
					t.Errorf("goroutine %d's commands finished as %q", g, mine)
					break
				}
			}
		}
	})
}

func TestHangupEndsEveryCommand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		ctl := r.c.base
		running := r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p1s"}, Loop: -1})
		queued := r.submit(ctl, Command{Kind: KindCollect, MaxDigits: 3, FirstTimeout: time.Minute})
		synctest.Wait()
		r.end()
		if a, b := running.Result(), queued.Result(); a.Status != StatusHungUp || b.Status != StatusHungUp {
			t.Errorf("after hang-up: running %+v, queued %+v", a, b)
		}
		if _, err := ctl.Submit(Command{Kind: KindWait, Duration: time.Second}); !errors.Is(err, ErrEnded) {
			t.Errorf("submit after the end: %v, want ErrEnded", err)
		}
		var kinds []event.Kind
		for _, e := range r.events() {
			if e.Kind == event.CommandFinished || e.Kind == event.CallEnded {
				kinds = append(kinds, e.Kind)
			}
		}
		if !slices.Equal(kinds, []event.Kind{event.CommandFinished, event.CommandFinished, event.CallEnded}) {
			t.Errorf("events %q: every result comes before the call's end", kinds)
		}
	})
}

func TestBadCommands(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		for _, cmd := range []Command{
			{Kind: "dance"},
			{Kind: KindCollect, MaxDigits: 1000},
			{Kind: KindCollect, MinDigits: 5, MaxDigits: 2},
			{Kind: KindCollect, FinishKeys: "x"},
			{Kind: KindCollect, FirstTimeout: time.Hour},
			{Kind: KindWait},
			{Kind: KindWait, Duration: -time.Second},
			{Kind: KindDigits, Digits: "12x"},
			{Kind: KindDigits},
			{Kind: KindRecord, MaxDuration: 5 * time.Hour},
			{Kind: KindRecord, Format: "surround"},
			{Kind: KindJoin},
			{Kind: KindPlay, Prompts: make([]string, MaxPrompts+1)},
		} {
			if _, err := r.c.base.Submit(cmd); CodeOf(err) != CodeBadRequest {
				t.Errorf("%+v: %v, want bad-request", cmd, err)
			}
		}
		// No recorder on this box: a record is refused as unsupported.
		if _, err := r.c.base.Submit(Command{Kind: KindRecord}); CodeOf(err) != CodeUnsupported {
			t.Errorf("record without a recorder: %v", err)
		}
		// The queue is bounded.
		var err error
		for range maxQueued + 10 {
			if _, err = r.c.base.Submit(Command{Kind: KindWait, Duration: time.Hour}); err != nil {
				break
			}
		}
		if CodeOf(err) != CodeQueueFull {
			t.Errorf("flooding the queue: %v, want queue-full", err)
		}
	})
}

func TestSendDigits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		if res := r.wait(r.submit(r.c.base, Command{Kind: KindDigits, Digits: "12#"})); res.Status != StatusDone || res.Digits != "12#" {
			t.Errorf("digits: %+v", res)
		}
	})
}

// fakeRoom is a Room whose members stay until they leave or it kicks them.
type fakeRoom struct {
	mu      sync.Mutex
	members map[string]chan struct{}
	left    []string
}

func (f *fakeRoom) Join(m Member) (func(), <-chan struct{}, func() string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.members == nil {
		f.members = map[string]chan struct{}{}
	}
	gone := make(chan struct{})
	f.members[m.CallID] = gone
	var once sync.Once
	leave := func() {
		once.Do(func() {
			f.mu.Lock()
			f.left = append(f.left, m.CallID)
			f.mu.Unlock()
		})
	}
	return leave, gone, func() string { return "kicked" }, nil
}

func (f *fakeRoom) kick(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.members[id])
}

func TestJoinRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		room := &fakeRoom{}
		o := r.submit(r.c.base, Command{Kind: KindJoin, Room: room})
		synctest.Wait()
		room.kick(r.c.id)
		if res := r.wait(o); res.Status != StatusDone || res.Reason != "kicked" {
			t.Errorf("kicked: %+v", res)
		}
		o = r.submit(r.c.base, Command{Kind: KindJoin, Room: room})
		synctest.Wait()
		r.c.base.Cancel(o)
		if res := r.wait(o); res.Status != StatusStopped {
			t.Errorf("stopped: %+v", res)
		}
		room.mu.Lock()
		defer room.mu.Unlock()
		if len(room.left) != 2 {
			t.Errorf("left the room %d times, want 2 (kicked members leave too)", len(room.left))
		}
	})
}

// slowSource is a prompt Source (a disk that does not heed cancellation)
// whose lookups wait for release.
type slowSource struct {
	fsys    fs.FS
	release chan struct{}
}

func (s slowSource) Stat(_ context.Context, name string) (fs.FileInfo, error) {
	<-s.release
	return fs.Stat(s.fsys, name)
}

func (s slowSource) Open(_ context.Context, name string) (io.ReadCloser, error) {
	return s.fsys.Open(name)
}

// TestCollectKeyDuringPromptLoad: a key pressed while a collect's prompts
// are still being loaded (a slow disk) ends the prompts for good: they
// never start playing during the digits.
func TestCollectKeyDuringPromptLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := slowSource{rigPrompts, make(chan struct{})}
		r := newCallRig(t, func(o *Options) {
			o.Prompts = prompt.New(prompt.Options{Builtin: fstest.MapFS{}, Mounts: map[string]prompt.Source{"/slow": slow}})
		})
		o := r.submit(r.c.base, Command{Kind: KindCollect, Prompts: []string{"/slow/p1s"}, MaxDigits: 2, FirstTimeout: 10 * time.Second})
		synctest.Wait()
		r.key("4") // while the prompt loads
		synctest.Wait()
		close(slow.release) // the load ends (cancelled, or with the prompt)
		tap := stream.NewTap(100)
		if err := r.c.stream().AddSink(tap); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		frames := make([]stream.Frame, 100)
		n := tap.Read(frames)
		if n < 40 {
			t.Fatalf("%d frames tapped in a second", n)
		}
		for _, f := range frames[:n] {
			for _, b := range f.Out {
				if b != stream.PCMU.Silence() {
					t.Fatalf("frame %d sent audio: the prompt plays during the digits", f.Index)
				}
			}
		}
		r.key("2")
		if res := r.wait(o); res.Digits != "42" || res.Status != StatusDone {
			t.Errorf("collect: %+v", res)
		}
	})
}
