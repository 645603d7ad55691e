package main

import (
	"net"
	"runtime"
	"testing"
	"time"
)

// TestJitterPercentile: gaps of 20 ms count as no jitter, a late and an
// early packet by their distance from 20 ms, and the 99th percentile
// lands in the right 0.1 ms bucket.
func TestJitterPercentile(t *testing.T) {
	var h jitterHist
	for range 98 {
		h.add(20 * time.Millisecond)
	}
	h.add(23 * time.Millisecond)
	h.add(17*time.Millisecond - 50*time.Microsecond) // 3.05 ms early
	if p, n := h.percentile(0.5); p != 0.1 || n != 100 {
		t.Errorf("median %.2f ms of %d gaps, want 0.1 (the first bucket) of 100", p, n)
	}
	if p, _ := h.percentile(0.99); p < 3.0 || p > 3.2 {
		t.Errorf("p99 %.2f ms, want about 3.1", p)
	}
	h.reset()
	if _, n := h.percentile(0.99); n != 0 {
		t.Errorf("%d gaps after reset", n)
	}
}

// TestRxStamps: on Linux a datagram's kernel receive time comes with it,
// between the times just before it was sent and just after it was read.
func TestRxStamps(t *testing.T) {
	if runtime.GOOS != "linux" {
		return // the stamps are read on Linux only
	}
	rx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	if !enableRxStamps(rx) {
		t.Fatal("SO_TIMESTAMPNS refused")
	}
	tx, err := net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	before := time.Now().UnixNano()
	if _, err := tx.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	buf, oob := make([]byte, 16), make([]byte, 128)
	_, oobn, _, _, err := rx.ReadMsgUDP(buf, oob)
	after := time.Now().UnixNano()
	if err != nil {
		t.Fatal(err)
	}
	ts, ok := rxStamp(oob[:oobn])
	if !ok || ts < before || ts > after {
		t.Fatalf("stamp %d (found %v), want within [%d, %d]", ts, ok, before, after)
	}
}
