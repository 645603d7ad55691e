package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
)

// tlsPhoneConfig has IVR 7400, whose key 1 transfers the call to the local
// account 1000 (a phone).
var tlsPhoneConfig = fmt.Sprintf(`{"version": %d,
 "ivrs": [{"number": "7400", "prompts": ["notice"], "repeat": 10, "wait": 1,
   "keys": {"1": {"type": "transfer", "target": "1000"}}}]}`, config.SchemaVersion)

// TestPhoneRegisterTLS: a phone registers account 1000 with digest over
// TLS at the box's SIP over TLS port (trusting the box's certificate), then
// a caller's transfer to 1000 reaches the phone over TLS, on its own
// connection, and the two hear each other. (A Go phone on package sip: the
// installed SIPp has no TLS.)
func TestPhoneRegisterTLS(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, config: tlsPhoneConfig, args: sipsArgs})
	addr := b.sipsAddr()
	ca := sipsBoxCA(t, b, addr)
	admin(t, b).must("POST", "accounts", account("1000"), http.StatusCreated, nil)

	heard := newPeer(t, 0) // the phone's RTP
	calls := make(chan string, 1)
	phone := startSIPServer(t, "127.0.0.1", nil, sip.HandlerFunc(func(ctx context.Context, d *sip.Dialog) {
		calls <- d.Transport()
		local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(heard.port()))
		if _, err := d.Answer(ctx, sdp.Offer(local, 3, 1)); err != nil {
			t.Errorf("phone: Answer: %v", err)
			return
		}
		<-ctx.Done()
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := phone.Register(ctx, sip.RegisterOptions{Registrar: addr, Transport: "TLS", CA: ca,
		User: "1000", Password: "acct-1000", Expiry: 5 * time.Minute})
	defer reg.Close()
	registered := make(chan struct{})
	var once sync.Once
	reg.OnChange(func(st sip.RegState) {
		if st.Status == sip.RegRegistered {
			once.Do(func() { close(registered) })
		}
	})
	if reg.State().Status == sip.RegRegistered {
		once.Do(func() { close(registered) })
	}
	select {
	case <-registered:
	case <-time.After(10 * time.Second):
		t.Fatalf("the phone did not register over TLS: %+v", reg.State())
	}

	caller := newPeer(t, 0)
	caller.loopTone(callerHz)
	r := sipp(t, b, "7400", new(scenario).invite(false).answered(false).pause(6*time.Second).bye(), caller, "udp")
	caller.waitHeard(5*time.Second, "notice")
	caller.rfc4733('1')
	select {
	case tr := <-calls:
		if tr != "TLS" {
			t.Errorf("the transfer reached the phone over %s, want TLS", tr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the transfer did not reach the phone")
	}
	r.wait(t)
	if !heard.heardTone(callerHz) {
		t.Error("the phone did not hear the caller")
	}
	b.waitLog(5*time.Second, "event.kind=call.transferred")
}

// TestSIPSCallSRTP: encrypted everywhere: a softphone calls sips:6502 over
// TLS with an RTP/SAVP offer while the box requires SRTP; the box answers
// with its key over TLS, and the caller hears 6502's prompt through
// decryption.
func TestSIPSCallSRTP(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{tones: true, args: sipsArgs})
	admin(t, b).must("PUT", "system", map[string]any{"media_encryption": "required"}, http.StatusOK, nil)
	addr := b.sipsAddr()
	ca := sipsBoxCA(t, b, addr)
	caller := startSIPServer(t, "127.0.0.1", nil, sip.HandlerFunc(func(context.Context, *sip.Dialog) {}))
	p := newPeer(t, 0)
	ours, err := sdp.NewCrypto(1, sdp.SuiteAES80)
	if err != nil {
		t.Fatal(err)
	}
	key := base64.StdEncoding.EncodeToString(ours.Key)
	p.mu.Lock()
	p.sec = &peerSRTP{enc: srtpContext(t, key)}
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	offer := sdp.Offer(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(p.port())), 1, 1, ours)
	cd, err := caller.Dial(ctx, sip.DialOptions{Target: "sips:6502@" + addr, Transport: "TLS", From: "1001", CA: ca, SDP: offer})
	if err != nil {
		t.Fatalf("call over TLS: %v", err)
	}
	ans, err := sdp.ParseAnswer(cd.RemoteSDP())
	if err != nil {
		t.Fatal(err)
	}
	_, theirs, ok, err := sdp.Accepted([]sdp.Crypto{ours}, ans)
	if !ok || err != nil || !ans.Secure() {
		t.Fatalf("the box answered %s without SRTP keys: %v", ans.Profile, err)
	}
	p.mu.Lock()
	p.sec.dec = srtpContext(t, base64.StdEncoding.EncodeToString(theirs.Key))
	p.mu.Unlock()
	select {
	case <-cd.Done():
	case <-ctx.Done():
		t.Fatal("no BYE from the box over TLS")
	}
	if got := p.heard(); strings.Join(got, ",") != "ok" {
		t.Errorf("heard %v, want [ok] through SRTP", got)
	}
	b.waitLog(5*time.Second, "media encrypted")
}
