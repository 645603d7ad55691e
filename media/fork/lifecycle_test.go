package fork

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/media/stream"
)

// TestLimit: Start refuses forks beyond MaxForks until one stops.
func TestLimit(t *testing.T) {
	fk, _ := newTestForker(t, Options{MaxForks: 2})
	to := closedPort(t)
	f1, err := fk.Start(&fakeStream{}, Spec{In: to})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fk.Start(&fakeStream{}, Spec{In: to}); err != nil {
		t.Fatal(err)
	}
	src := &fakeStream{}
	if _, err := fk.Start(src, Spec{In: to}); !errors.Is(err, ErrLimit) {
		t.Fatalf("third fork: %v, want ErrLimit", err)
	}
	if src.attached() != 0 {
		t.Error("a refused fork is attached")
	}
	f1.Stop()
	if fk.Len() != 1 {
		t.Errorf("Len %d after a Stop, want 1", fk.Len())
	}
	if _, err := fk.Start(src, Spec{In: to}); err != nil {
		t.Fatalf("after a Stop: %v", err)
	}
}

// TestStartErrors: Start's clear errors, none of which leaves a tap
// attached or a slot taken.
func TestStartErrors(t *testing.T) {
	fk, _ := newTestForker(t, Options{MaxForks: 1})
	to := closedPort(t)
	attach := errors.New("stream closed")
	tests := []struct {
		name string
		src  *fakeStream
		spec Spec
		want error
	}{
		{"no target", &fakeStream{}, Spec{ID: "x"}, ErrNoTarget},
		{"port 0", &fakeStream{}, Spec{In: netip.MustParseAddrPort("127.0.0.1:0")}, ErrTarget},
		{"unspecified", &fakeStream{}, Spec{Out: netip.MustParseAddrPort("0.0.0.0:4000")}, ErrTarget},
		{"unspecified v6", &fakeStream{}, Spec{Out: netip.MustParseAddrPort("[::]:4000")}, ErrTarget},
		{"no address", &fakeStream{}, Spec{Out: netip.AddrPortFrom(netip.Addr{}, 4000)}, ErrTarget},
		{"zone", &fakeStream{}, Spec{In: to, Out: netip.MustParseAddrPort("[fe80::1%lo]:4000")}, ErrTarget},
		{"v6 from a v4 socket", &fakeStream{}, Spec{In: netip.MustParseAddrPort("[2001:db8::1]:4000")}, ErrTarget},
		{"attach fails", &fakeStream{err: attach}, Spec{In: to}, attach},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := fk.Start(tt.src, tt.spec); !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if tt.src.attached() != 0 || fk.Len() != 0 {
				t.Error("a failed Start left a fork behind")
			}
		})
	}
	if _, err := fk.Start(nil, Spec{In: to}); err == nil {
		t.Error("Start with no stream worked")
	}
	// Every failure gave its slot back: the one allowed fork starts.
	if _, err := fk.Start(&fakeStream{}, Spec{In: to}); err != nil {
		t.Fatalf("after failures: %v", err)
	}
}

// TestPanic: a fork that panics is stopped and detached; the others go on.
func TestPanic(t *testing.T) {
	c := newFakeClock()
	fk, err := New(Options{
		Local:     netip.MustParseAddrPort("127.0.0.1:0"),
		Clock:     c,
		afterTick: func() { c.ticked <- struct{}{} },
		beforeServe: func(f *Fork) {
			if f.spec.ID == "boom" {
				panic("boom")
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer fk.Close()
	good := listen(t, "udp4", "127.0.0.1:0")
	bad, ok := &fakeStream{}, &fakeStream{}
	fb, err := fk.Start(bad, Spec{In: closedPort(t), ID: "boom"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fk.Start(ok, Spec{In: good.addr}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		ok.write(frame(uint64(i), stream.PCMU, 1, 2))
		c.tick(t)
	}
	<-fb.Done()
	if bad.attached() != 0 || fk.Len() != 1 {
		t.Errorf("panicked fork: attached %d, forks %d", bad.attached(), fk.Len())
	}
	checkSeq(t, good.readN(3), nil)
	fb.Stop()
}

// TestIdle: a fork whose stream hands it no frames stops by itself after
// Idle; one that gets frames goes on.
func TestIdle(t *testing.T) {
	fk, clk := newTestForker(t, Options{Idle: 100 * time.Millisecond})
	to := closedPort(t)
	live, gone := &fakeStream{}, &fakeStream{}
	fl, err := fk.Start(live, Spec{In: to})
	if err != nil {
		t.Fatal(err)
	}
	fg, err := fk.Start(gone, Spec{In: to})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		live.write(frame(uint64(i), stream.PCMU, 1, 2))
		clk.tick(t)
	}
	select {
	case <-fg.Done():
		t.Fatal("stopped before Idle")
	default:
	}
	live.write(frame(4, stream.PCMU, 1, 2))
	clk.tick(t) // 100 ms without frames for gone
	<-fg.Done()
	if gone.attached() != 0 || fk.Len() != 1 {
		t.Errorf("idle fork: attached %d, forks %d", gone.attached(), fk.Len())
	}
	select {
	case <-fl.Done():
		t.Fatal("the live fork stopped")
	default:
	}
}

// TestMappedTarget: an IPv4-mapped target is used as IPv4.
func TestMappedTarget(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	in := listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	mapped := netip.AddrPortFrom(netip.AddrFrom16(in.addr.Addr().As16()), in.addr.Port())
	f, err := fk.Start(src, Spec{In: mapped})
	if err != nil {
		t.Fatal(err)
	}
	if f.Spec().In != in.addr {
		t.Errorf("Spec().In %v, want %v", f.Spec().In, in.addr)
	}
	src.write(frame(0, stream.PCMU, 1, 2))
	clk.tick(t)
	in.read()
}

// TestStop: Stop detaches, is idempotent and safe from many goroutines,
// and nothing is sent for the fork afterwards.
func TestStop(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	in := listen(t, "udp4", "127.0.0.1:0")
	src := &fakeStream{}
	f, err := fk.Start(src, Spec{In: in.addr, ID: "r"})
	if err != nil {
		t.Fatal(err)
	}
	if src.attached() != 1 {
		t.Fatal("not attached")
	}
	src.write(frame(0, stream.PCMU, 1, 2))
	clk.tick(t)
	in.read()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(f.Stop)
	}
	wg.Wait()
	f.Stop()
	<-f.Done()
	if src.attached() != 0 || src.removed != 1 {
		t.Errorf("attached %d, removed %d times", src.attached(), src.removed)
	}
	f.tap.WriteFrame(frame(1, stream.PCMU, 1, 2)) // a late frame from the shard
	clk.tick(t)
	if !in.empty() || f.Stats().In.Packets != 1 {
		t.Errorf("sent after Stop: %+v", f.Stats())
	}
	if fk.Len() != 0 {
		t.Errorf("Len %d", fk.Len())
	}
}

// TestStopDuringTicks: Stop while ticks run (for the race detector).
func TestStopDuringTicks(t *testing.T) {
	fk, clk := newTestForker(t, Options{})
	to := closedPort(t)
	var forks []*Fork
	for range 8 {
		src := &fakeStream{}
		f, err := fk.Start(src, Spec{In: to, Out: to})
		if err != nil {
			t.Fatal(err)
		}
		src.write(frame(0, stream.PCMA, 1, 2))
		forks = append(forks, f)
	}
	var wg sync.WaitGroup
	for _, f := range forks {
		wg.Go(func() {
			_ = f.Stats()
			f.Stop()
		})
	}
	for fk.Len() > 0 {
		clk.tick(t)
	}
	wg.Wait()
}

// TestClose: Close stops every fork, is idempotent, and Start fails after.
func TestClose(t *testing.T) {
	fk, _ := newTestForker(t, Options{})
	to := closedPort(t)
	var forks []*Fork
	var srcs []*fakeStream
	for range 3 {
		src := &fakeStream{}
		f, err := fk.Start(src, Spec{Out: to})
		if err != nil {
			t.Fatal(err)
		}
		forks, srcs = append(forks, f), append(srcs, src)
	}
	if err := fk.Close(); err != nil {
		t.Fatal(err)
	}
	if err := fk.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for i, f := range forks {
		select {
		case <-f.Done():
		default:
			t.Errorf("fork %d still running", i)
		}
		f.Stop()
		if srcs[i].attached() != 0 {
			t.Errorf("fork %d still attached", i)
		}
	}
	if _, err := fk.Start(&fakeStream{}, Spec{Out: to}); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close: %v, want ErrClosed", err)
	}
	if fk.Len() != 0 {
		t.Errorf("Len %d after Close", fk.Len())
	}
}
