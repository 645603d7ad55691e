package ws

import (
	"context"
	"strconv"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/event"
)

// benchAPI is an API with n connections subscribed to callevents whose
// queues are drained by a goroutine each (no network).
func benchAPI(b *testing.B, n int) *API {
	cfg := testConfig()
	a := New(Options{Calls: &fakeCalls{}, Files: fakeFiles{}, Prompts: fakePrompts{}, Config: func() *config.Config { return cfg }})
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	for i := range n {
		c := &conn{a: a, id: uint64(i), ctx: ctx, cancel: cancel, send: make(chan []byte, SendQueue), subs: map[string]*subscription{}}
		c.subs[simpleSubID] = &subscription{patterns: []string{ClassCall}}
		a.conns[c.id] = c
		go func() {
			for {
				select {
				case <-c.send:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	return a
}

// BenchmarkDTMFHook: the bus hook's cost for one key of a call no
// connection controls, with 0, 1 and 16 subscribers of callevents. It runs
// on the call's executor, so it is on the way of every key.
func BenchmarkDTMFHook(b *testing.B) {
	for _, n := range []int{0, 1, 16} {
		b.Run(strconv.Itoa(n)+"subs", func(b *testing.B) {
			a := benchAPI(b, n)
			e := event.Event{Kind: event.DTMFDigit, CallID: "1700.1", Digit: "5", Source: "rfc4733",
				Call: &event.Call{ID: "1700.1", SIPCallID: "abc@10.0.0.1"}}
			b.ReportAllocs()
			for b.Loop() {
				a.Hook(e)
			}
		})
	}
}
