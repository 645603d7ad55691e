package call

import (
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"testing/fstest"
	"testing/synctest"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/stream"
	"github.com/ivrbox/ivrbox/media/tone"
)

// callRig is one live call without SIP, for tests of the call-control
// surface: a real RTP stream on loopback (sending to a socket nobody reads),
// a prompt cache of tone prompts, and keys injected as the SIP leg or the
// media shard would (offerKey). Make it inside a synctest bubble: its timers
// and the stream's 20 ms ticks then run on the bubble's clock.
type callRig struct {
	t   testing.TB
	m   *Manager
	c   *Call
	cfg *config.Config
	sub *event.Subscription
}

// The tone prompts of a callRig: p100 lasts 100 ms, p1s a second.
var rigPrompts = fstest.MapFS{
	"p100.wav":  {Data: tone.WAV(tone.Sine([]float64{500}, 100, 0.3))},
	"p1s.wav":   {Data: tone.WAV(tone.Sine([]float64{700}, 1000, 0.3))},
	"music.wav": {Data: tone.WAV(tone.Sine([]float64{900}, 2000, 0.3))},
	"beep.wav":  {Data: tone.WAV(tone.Sine([]float64{1000}, 250, 0.3))},
}

func newCallRig(t testing.TB, opts ...func(*Options)) *callRig {
	t.Helper()
	media, err := stream.NewEngine(stream.Options{PortLow: 34000, PortHigh: 34999, Shards: 1, TickReads: true})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	bus := event.NewBus(nil)
	r := &callRig{t: t, cfg: &config.Config{}, sub: bus.Subscribe(8192)}
	o := Options{Media: media, Bus: bus, Config: func() *config.Config { return r.cfg },
		Prompts: prompt.New(prompt.Options{Builtin: rigPrompts}),
		Log:     slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
	for _, f := range opts {
		f(&o)
	}
	r.m = NewManager(o)
	r.c = newCall(r.m, event.Outbound, "6500", "100", r.m.log)
	if err := r.m.admit(r.c); err != nil {
		t.Fatal(err)
	}
	if err := r.c.openOutMedia(); err != nil {
		t.Fatal(err)
	}
	r.c.stream().SetRemote(peer.LocalAddr().(*net.UDPAddr).AddrPort())
	r.c.answered = time.Now()
	go r.c.run(leg{})
	t.Cleanup(func() {
		r.end()
		_ = media.Close()
		_ = peer.Close()
		r.sub.Close()
	})
	return r
}

// end ends the call as the manager does when its runner returns.
func (r *callRig) end() {
	select {
	case <-r.c.exited:
		return
	default:
	}
	r.c.setCause("normal")
	r.m.finish(r.c)
}

// key presses key as the caller.
func (r *callRig) key(keys string) {
	for i := 0; i < len(keys); i++ {
		r.c.offerKey(keys[i], "rfc4733")
	}
}

// settleBubble waits until the other goroutines of the caller's synctest
// bubble are blocked; outside a bubble it does nothing.
func settleBubble() {
	defer func() { _ = recover() }() // synctest.Wait panics outside a bubble
	synctest.Wait()
}

// events returns the events published so far, in order.
func (r *callRig) events() []event.Event {
	// An op's waiters are told before its CommandFinished is published:
	// in a synctest bubble, let its goroutines finish what they are doing.
	settleBubble()
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

// wait waits for o's result; the bubble's clock runs while it waits.
func (r *callRig) wait(o *Op) Result {
	r.t.Helper()
	select {
	case <-o.Done():
		return o.Result()
	case <-time.After(time.Hour):
		r.t.Fatalf("command %d (%s) never ended", o.ID(), o.cmd.Kind)
		return Result{}
	}
}

// submit submits cmd through ctl, failing the test on an error.
func (r *callRig) submit(ctl *Control, cmd Command) *Op {
	r.t.Helper()
	o, err := ctl.Submit(cmd)
	if err != nil {
		r.t.Fatalf("submit %+v: %v", cmd, err)
	}
	return o
}

// loopbackAddr is 127.0.0.1:port.
func loopbackAddr(port int) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
}
