package sip

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCloseHangsUpAndLeaksNothing: Close hangs up a live call, waits for its
// handler, and leaves no goroutine of ours or sipgo's behind.
func TestCloseHangsUpAndLeaksNothing(t *testing.T) {
	before := ourGoroutines() // leftovers of earlier tests are not ours to judge
	handlerDone := make(chan string, 1)
	s, err := NewServer(Options{Addr: "127.0.0.1:0", Log: testLog()}, HandlerFunc(func(ctx context.Context, d *Dialog) {
		d.Answer(ctx, answerSDP(t, d, d.Offer(), 1))
		<-ctx.Done()
		<-d.Done()
		handlerDone <- d.Cause()
	}))
	if err != nil {
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(context.Background()) }()
	<-s.Ready()

	u := newUAC(t, "udp", s)
	ctx := context.Background()
	sess, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
	if err != nil {
		t.Fatal(err)
	}
	sess.Ack(ctx)
	if n := s.Dialogs(); n != 1 {
		t.Errorf("Dialogs = %d, want 1", n)
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if cause := expect(t, handlerDone, "handler return"); cause != CauseHangup {
		t.Errorf("cause %q, want %q", cause, CauseHangup)
	}
	expect(t, u.byes, "BYE on Close")
	if err := expect(t, runErr, "Run to return"); err != nil {
		t.Errorf("Run: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := s.Run(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close: %v, want ErrClosed", err)
	}
	u.close()
	checkNoLeaks(t, before)
}

// TestRunPortInUse: Run reports a taken port at once.
func TestRunPortInUse(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	s, err := NewServer(Options{Addr: pc.LocalAddr().String()}, HandlerFunc(func(context.Context, *Dialog) {}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := make(chan error, 1)
	go func() { done <- s.Run(context.Background()) }()
	if err := expect(t, done, "Run error"); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("Run = %v, want address in use", err)
	}
}

// TestManyDialogsAreCheap holds many answered calls and counts goroutines:
// one per call (its handler), nothing else per dialog.
func TestManyDialogsAreCheap(t *testing.T) {
	const calls = 100
	var held sync.WaitGroup
	held.Add(calls)
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		d.Answer(ctx, answerSDP(t, d, d.Offer(), 1))
		held.Done()
		<-d.Done()
	}))
	u := newUAC(t, "udp", s)
	ctx := context.Background()
	base := runtime.NumGoroutine()
	for i := 0; i < calls; i++ {
		sess, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
		if err != nil {
			t.Fatal(err)
		}
		sess.Ack(ctx)
		t.Cleanup(func() { sess.Bye(ctx) })
	}
	held.Wait()
	time.Sleep(200 * time.Millisecond) // let transient goroutines finish
	per := float64(runtime.NumGoroutine()-base) / calls
	t.Logf("%.2f goroutines per dialog", per)
	if per > 1.5 {
		t.Errorf("%.1f goroutines per dialog, want about 1 (the handler)", per)
	}
	if n := s.Dialogs(); n != calls {
		t.Errorf("Dialogs = %d, want %d", n, calls)
	}
}

// TestLocalAddrUnbound: with the server bound to every address, our address
// toward a caller is the one the kernel routes from.
func TestLocalAddrUnbound(t *testing.T) {
	s, err := NewServer(Options{}, HandlerFunc(func(context.Context, *Dialog) {}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.addr = netip.MustParseAddrPort("0.0.0.0:5060") // as Run would set it; nothing listens
	got := s.localAddr("UDP", netip.MustParseAddrPort("127.0.0.1:5070"))
	if want := netip.MustParseAddrPort("127.0.0.1:5060"); got != want {
		t.Errorf("localAddr = %v, want %v", got, want)
	}
}
