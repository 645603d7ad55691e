package trunk

import (
	"context"
	"net"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/sip"
	"github.com/ivrbox/ivrbox/firmware/sip/siptest"
)

// startServer runs a sip.Server on 127.0.0.1 until the test ends.
func startServer(t *testing.T) *sip.Server {
	return siptest.Start(t, sip.HandlerFunc(func(context.Context, *sip.Dialog) {}), testLog())
}

// freeUDPPort returns a UDP port of 127.0.0.1 that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	return pc.LocalAddr().(*net.UDPAddr).Port
}

// states records a Manager's state of one trunk after each change.
type states struct {
	ch chan State
}

func newStates() *states { return &states{ch: make(chan State, 256)} }

// watch is an OnChange that records trunk name's state of *m.
func (s *states) watch(m **Manager, name string) func() {
	return func() {
		select {
		case s.ch <- (*m).State(name):
		default:
		}
	}
}

// await waits for a state with status (and, if not empty, detail).
func (s *states) await(t *testing.T, status, detail string) State {
	t.Helper()
	timeout := make(chan struct{})
	stop := context.AfterFunc(testContext(t), func() { close(timeout) })
	defer stop()
	for {
		select {
		case st := <-s.ch:
			if st.Status == status && (detail == "" || st.Detail == detail) {
				return st
			}
			t.Logf("state %+v", st)
		case <-timeout:
			t.Fatalf("no state %s %s", status, detail)
		}
	}
}

// testContext ends after wait (or at the test's end).
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 3*wait)
	t.Cleanup(cancel)
	return ctx
}
