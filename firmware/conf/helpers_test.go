package conf

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/call"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/mix"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/stream"
)

// fakeMedia is a call's media as a room sees it: the sinks attached and
// the source set, like a stream.Stream without RTP.
type fakeMedia struct {
	mu      sync.Mutex
	sinks   []stream.Sink
	src     stream.Source
	sinkErr error // AddSink fails with it when set
}

var _ call.Media = (*fakeMedia)(nil)

func (f *fakeMedia) AddSink(s stream.Sink) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.sinkErr != nil {
		return f.sinkErr
	}
	if !slices.Contains(f.sinks, s) {
		f.sinks = append(f.sinks, s)
	}
	return nil
}

func (f *fakeMedia) RemoveSink(s stream.Sink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := slices.Index(f.sinks, s); i >= 0 {
		f.sinks = slices.Delete(f.sinks, i, i+1)
	}
}

func (f *fakeMedia) SetSource(s stream.Source) stream.Source {
	f.mu.Lock()
	defer f.mu.Unlock()
	prev := f.src
	f.src = s
	return prev
}

func (f *fakeMedia) CompareAndSwapSource(old, new stream.Source) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.src != old {
		return false
	}
	f.src = new
	return true
}

// state returns the attached sinks and the source.
func (f *fakeMedia) state() ([]stream.Sink, stream.Source) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sinks), f.src
}

// say feeds one frame of pcm (what the caller says) to every sink.
func (f *fakeMedia) say(pcm []int16) {
	fr := &stream.Frame{Codec: stream.PCMU, HasIn: true}
	stream.PCMU.Encode(fr.In[:], pcm)
	sinks, _ := f.state()
	for _, s := range sinks {
		s.WriteFrame(fr)
	}
}

// hear reads one frame from the source and returns its PCM (nil: none).
func (f *fakeMedia) hear() []int16 {
	_, src := f.state()
	if src == nil {
		return nil
	}
	var enc [stream.FrameSamples]byte
	if !src.ReadFrame(enc[:], stream.PCMU) {
		return nil
	}
	pcm := make([]int16, stream.FrameSamples)
	stream.PCMU.Decode(pcm, enc[:])
	return pcm
}

// ownSource is a call's source before it joins (its playback, a bridge).
type ownSource struct{ name string }

func (*ownSource) ReadFrame([]byte, stream.Codec) bool { return false }

// fakePrompts serves decoded prompts by name.
type fakePrompts map[string]*prompt.Audio

func (p fakePrompts) Get(_ context.Context, name string) (*prompt.Audio, error) {
	if a, ok := p[name]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("prompt %q: %w", name, errNotFound)
}

var errNotFound = errors.New("not found")

// rig is a manager over a manually ticked mixer, with a subscription to
// its events.
type rig struct {
	t   *testing.T
	m   *Manager
	mix *mix.Engine
	bus *event.Bus
	sub *event.Subscription
}

func newRig(t *testing.T, opts Options) *rig {
	t.Helper()
	r := &rig{t: t, bus: event.NewBus(nil), mix: mix.New(mix.Options{Manual: true})}
	r.sub = r.bus.Subscribe(4096)
	opts.Bus, opts.Mix = r.bus, r.mix
	r.m = New(opts)
	t.Cleanup(func() {
		_ = r.m.Close()
		_ = r.mix.Close()
		r.sub.Close()
	})
	return r
}

// create makes a room or fails the test.
func (r *rig) create(s Spec) Info {
	r.t.Helper()
	info, err := r.m.Create(s)
	if err != nil {
		r.t.Fatalf("create %+v: %v", s, err)
	}
	return info
}

// joined is one member's hold on a room, as the call's join command has it.
type joined struct {
	media  *fakeMedia
	leave  func()
	gone   <-chan struct{}
	reason func() string
}

// join joins callID to room id with fresh media whose source was own.
func (r *rig) join(id, callID string) (*joined, error) {
	room, ok := r.m.Room(id)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoRoom, id)
	}
	fm := &fakeMedia{src: &ownSource{name: callID}}
	leave, gone, reason, err := room.Join(call.Member{CallID: callID, Media: fm})
	if err != nil {
		return nil, err
	}
	return &joined{media: fm, leave: leave, gone: gone, reason: reason}, nil
}

// mustJoin is join that fails the test on an error.
func (r *rig) mustJoin(id, callID string) *joined {
	r.t.Helper()
	j, err := r.join(id, callID)
	if err != nil {
		r.t.Fatalf("join %s to %s: %v", callID, id, err)
	}
	return j
}

// events returns the events published since the last call.
func (r *rig) events() []event.Event {
	var out []event.Event
	for {
		select {
		case e := <-r.sub.C():
			out = append(out, e)
		default:
			return out
		}
	}
}

// describe renders events as "kind member reason" lines.
func describe(evs []event.Event) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		s := string(e.Kind)
		if c := e.Conf; c != nil {
			s += fmt.Sprintf(" %d", c.Members)
			if c.Member != "" {
				s += " " + c.Member
			}
			if c.Reason != "" {
				s += " " + c.Reason
			}
			if e.Kind == event.ConfMuted && c.Muted {
				s += " muted"
			}
			if e.Kind == event.ConfTalking && c.Talking {
				s += " talking"
			}
		}
		out = append(out, s)
	}
	return out
}

// isClosed reports whether c is closed.
func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// tone returns a frame of a square-ish loud signal.
func loud() []int16 {
	pcm := make([]int16, stream.FrameSamples)
	for i := range pcm {
		pcm[i] = 8000
		if i%8 >= 4 {
			pcm[i] = -8000
		}
	}
	return pcm
}

// level is the mean absolute sample of pcm.
func level(pcm []int16) int {
	if len(pcm) == 0 {
		return 0
	}
	sum := 0
	for _, s := range pcm {
		sum += max(int(s), -int(s))
	}
	return sum / len(pcm)
}

// callMember is a call.Member.
func callMember(id string, m call.Media) call.Member { return call.Member{CallID: id, Media: m} }
