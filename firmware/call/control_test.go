package call

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// offering runs the runner's Offer in the background; done gets its outcome.
func (r *callRig) offering(spec OfferSpec) (cancel func(), done <-chan string) {
	ctx, stop := context.WithCancel(context.Background())
	out := make(chan string, 1)
	go func() {
		how, _ := r.c.base.Offer(ctx, spec)
		out <- how
	}()
	synctest.Wait()
	return stop, out
}

// hooks records what a controller hears.
type hooks struct {
	mu      sync.Mutex
	keys    []string
	results []Status
	ends    []string
}

func (h *hooks) Hooks() Hooks {
	return Hooks{
		OnKey:    func(k string, _ uint64) { h.mu.Lock(); h.keys = append(h.keys, k); h.mu.Unlock() },
		OnResult: func(r Result) { h.mu.Lock(); h.results = append(h.results, r.Status); h.mu.Unlock() },
		OnEnd:    func(why string) { h.mu.Lock(); h.ends = append(h.ends, why); h.mu.Unlock() },
	}
}

func TestOfferAcceptRelease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		if _, err := r.m.Accept(r.c.id, "abc", AcceptOptions{}); !errors.Is(err, ErrNotOffered) {
			t.Errorf("accept before any offer: %v", err)
		}
		_, done := r.offering(OfferSpec{Key: "abc", Params: `{"x":1}`, Step: "api", ID: 14, Name: "Внешнее управление 3",
			Timeout: 10 * time.Second, Hold: []string{"music"}})
		if _, err := r.m.Accept(r.c.id, "xyz", AcceptOptions{}); !errors.Is(err, ErrNotOffered) {
			t.Errorf("accept with the wrong key: %v", err)
		}
		if _, err := r.m.Accept("nope", "abc", AcceptOptions{}); !errors.Is(err, ErrUnknownCall) {
			t.Errorf("accept of an unknown call: %v", err)
		}
		h := &hooks{}
		ctl, err := r.m.Accept(r.c.leg, "abc", AcceptOptions{Name: "app1", Hooks: h.Hooks()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.m.Accept(r.c.id, "abc", AcceptOptions{Name: "app2"}); !errors.Is(err, ErrTaken) {
			t.Errorf("second accept: %v, want taken", err)
		}
		if in := r.c.Info(); in.Controller != "app1" {
			t.Errorf("controller %q", in.Controller)
		}
		// The runner's control no longer commands the call.
		if _, err := r.c.base.Submit(Command{Kind: KindWait, Duration: time.Second}); !errors.Is(err, ErrNotOwner) {
			t.Errorf("the runner while controlled: %v", err)
		}
		// The controller plays, collects 123#, hears each key.
		if res := r.wait(r.submit(ctl, Command{Kind: KindPlay, Prompts: []string{"p100"}})); res.Status != StatusDone {
			t.Errorf("play: %+v", res)
		}
		o := r.submit(ctl, Command{Kind: KindCollect, MaxDigits: 8, FinishKeys: "#", FirstTimeout: 5 * time.Second})
		synctest.Wait()
		r.key("123#")
		if res := r.wait(o); res.Digits != "123" || res.Status != StatusDone {
			t.Errorf("collect: %+v", res)
		}
		ctl.Release()
		if how := <-done; how != OfferReleased {
			t.Errorf("offer ended %q, want released", how)
		}
		<-ctl.Done()
		if ctl.Reason() != OfferReleased || ctl.Owns() || !r.c.base.Owns() {
			t.Errorf("after release: reason %q, owns %v, runner owns %v", ctl.Reason(), ctl.Owns(), r.c.base.Owns())
		}
		if _, err := ctl.Submit(Command{Kind: KindWait, Duration: time.Second}); !errors.Is(err, ErrNotOwner) {
			t.Errorf("the released controller submits: %v", err)
		}
		synctest.Wait()
		h.mu.Lock()
		if !slices.Equal(h.keys, []string{"1", "2", "3", "#"}) || len(h.results) != 2 || !slices.Equal(h.ends, []string{OfferReleased}) {
			t.Errorf("controller heard keys %q, results %q, ends %q", h.keys, h.results, h.ends)
		}
		h.mu.Unlock()
		var got []string
		for _, e := range r.events() {
			switch e.Kind {
			case event.ControlOffered, event.ControlAccepted, event.ControlEnded:
				got = append(got, string(e.Kind)+" "+e.Control.Key+" "+e.Control.Controller+" "+e.Control.Reason)
				if e.Kind == event.ControlOffered && (e.Control.Params != `{"x":1}` || e.Control.Timeout != 10) {
					t.Errorf("offered %+v", e.Control)
				}
				if c := e.Control; c.Step != "api" || c.ID != 14 || c.Name != "Внешнее управление 3" {
					t.Errorf("%s: step %q id %d name %q, want the step's", e.Kind, c.Step, c.ID, c.Name)
				}
			}
		}
		want := []string{"control.offered abc  ", "control.accepted abc app1 ", "control.ended abc app1 released"}
		if !slices.Equal(got, want) {
			t.Errorf("control events\n got %q\nwant %q", got, want)
		}
	})
}

func TestOfferNobodyTakesIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		start := time.Now()
		_, done := r.offering(OfferSpec{Key: "k", Timeout: 7 * time.Second, Hold: []string{"music"}})
		if how := <-done; how != OfferTimeout || time.Since(start) != 7*time.Second {
			t.Errorf("offer ended %q after %v, want timeout after 7s", how, time.Since(start))
		}
		// The hold music stopped with the step.
		if res := r.wait(r.submit(r.c.base, Command{Kind: KindWait, Duration: time.Second})); res.Status != StatusDone {
			t.Errorf("the runner after the step: %+v", res)
		}
	})
}

func TestReacceptTakesOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		_, done := r.offering(OfferSpec{Key: "k", Timeout: 5 * time.Second})
		h1 := &hooks{}
		first, err := r.m.Accept(r.c.id, "k", AcceptOptions{Name: "conn1", Hooks: h1.Hooks()})
		if err != nil {
			t.Fatal(err)
		}
		playing := r.submit(first, Command{Kind: KindPlay, Prompts: []string{"p1s"}, Loop: -1})
		synctest.Wait()
		first.Orphan() // its connection dropped
		time.Sleep(3 * time.Second)
		second, err := r.m.Reaccept(r.c.id, "k", AcceptOptions{Name: "conn2"})
		if err != nil {
			t.Fatal(err)
		}
		if res := r.wait(playing); res.Status != StatusStopped {
			t.Errorf("the first controller's play: %+v", res)
		}
		<-first.Done()
		if first.Reason() != "taken over" {
			t.Errorf("first ended %q", first.Reason())
		}
		time.Sleep(20 * time.Second) // no timer of the orphaned control is left
		select {
		case how := <-done:
			t.Fatalf("offer ended %q while conn2 holds the call", how)
		default:
		}
		if !second.Owns() {
			t.Fatal("conn2 does not own the call")
		}
		second.Release()
		if how := <-done; how != OfferReleased {
			t.Errorf("ended %q", how)
		}
	})
}

func TestControllerVanishes(t *testing.T) {
	t.Run("orphaned and not back in time", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newCallRig(t)
			_, done := r.offering(OfferSpec{Key: "k", Timeout: 4 * time.Second})
			ctl, err := r.m.Accept(r.c.id, "k", AcceptOptions{Name: "ws"})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Minute) // a controller with a connection keeps the call as long as it likes
			ctl.Orphan()
			start := time.Now()
			if how := <-done; how != OfferLost || time.Since(start) != 4*time.Second {
				t.Errorf("ended %q after %v, want lost after 4s", how, time.Since(start))
			}
		})
	})
	t.Run("a lease not renewed", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			r := newCallRig(t)
			_, done := r.offering(OfferSpec{Key: "k", Timeout: time.Minute})
			ctl, err := r.m.Accept(r.c.id, "k", AcceptOptions{Name: "http", TTL: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 { // each command renews the lease, which holds while it runs
				time.Sleep(8 * time.Second)
				r.wait(r.submit(ctl, Command{Kind: KindWait, Duration: 15 * time.Second}))
			}
			start := time.Now()
			how := <-done
			if how != OfferLost || time.Since(start) != 10*time.Second {
				t.Errorf("ended %q after %v, want lost 10s after the last command ended", how, time.Since(start))
			}
		})
	})
}

func TestOfferEndsWithTheRunnerOrTheCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		cancel, done := r.offering(OfferSpec{Key: "k"})
		ctl, err := r.m.Accept(r.c.id, "k", AcceptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cancel() // the runner moved on (an API transfer)
		if how := <-done; how != OfferMoved {
			t.Errorf("ended %q, want moved", how)
		}
		<-ctl.Done()
		if _, err := r.c.base.Offer(context.Background(), OfferSpec{Key: "k"}); err != nil && !errors.Is(err, ErrEnded) {
			// a new offer is fine; below the call ends under it
		}
		_, done = r.offering(OfferSpec{Key: "k2"})
		r.end()
		if how := <-done; how != OfferHangup {
			t.Errorf("ended %q, want hangup", how)
		}
	})
}

func TestOnlyTheRunnerOffers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newCallRig(t)
		_, done := r.offering(OfferSpec{Key: "k", Timeout: time.Second})
		ctl, err := r.m.Accept(r.c.id, "k", AcceptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ctl.Offer(context.Background(), OfferSpec{Key: "x"}); !errors.Is(err, ErrNotOwner) {
			t.Errorf("an outside controller offers: %v", err)
		}
		ctl.Release()
		<-done
	})
}
