package sip

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip/sipptest"
)

// TestSIPpRegistrar registers at SIPp: refused first (403, failed), then
// SIPp on the same port accepts the credentials and the registration
// recovers; Close un-registers.
func TestSIPpRegistrar(t *testing.T) {
	sipptest.NeedTool(t, "sipp")
	port := freePort(t, "udp")
	first := sipptest.Registrar(t, port, "2001", "not-the-password")
	phone := startServer(t, HandlerFunc(func(context.Context, *Dialog) {}))
	r := phone.Register(context.Background(), RegisterOptions{Registrar: "127.0.0.1:" + strconv.Itoa(port),
		User: "2001", Password: "s3cret", Retry: time.Second})
	states := regStates(r)
	st := awaitStatus(t, states, RegFailed)
	for st.Code == 0 { // SIPp not listening yet: retried
		st = awaitStatus(t, states, RegFailed)
	}
	if st.Code != 403 {
		t.Errorf("first attempt: %+v, want 403", st)
	}
	<-first
	second := sipptest.Registrar(t, port, "2001", "s3cret")
	st = awaitStatus(t, states, RegRegistered)
	if st.Code != 200 {
		t.Errorf("second: %+v", st)
	}
	r.Close()
	if err := <-second; err != nil {
		t.Errorf("sipp: %v", err)
	}
}
