package sip

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// TestDialAnswered calls our own server: 180, 200, ACK, then our BYE.
func TestDialAnswered(t *testing.T) {
	before := ourGoroutines()
	acked := make(chan *Dialog, 1)
	rang := make(chan struct{})
	callee := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		d.Ringing()
		<-rang // sipgo may handle a quick 200 before the 180
		if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
			t.Errorf("Answer: %v", err)
			return
		}
		acked <- d
		<-ctx.Done()
	}))
	caller := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {}))
	var mu sync.Mutex
	var codes []int
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cd, err := caller.Dial(ctx, DialOptions{Target: "6500@" + callee.Addr().String(), From: "1001", FromName: "Box",
		SDP: sdpOffer("sendrecv"), Headers: []Header{{"X-Test", "1"}},
		OnProgress: func(p Progress) {
			mu.Lock()
			codes = append(codes, p.Code)
			mu.Unlock()
			if p.Code == 180 {
				close(rang)
			}
		}})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	mu.Lock()
	if !containsCode(codes, 180) {
		t.Errorf("progress %v, want 180", codes)
	}
	mu.Unlock()
	if !strings.Contains(string(cd.RemoteSDP()), "m=audio") {
		t.Errorf("RemoteSDP %q", cd.RemoteSDP())
	}
	d := expect(t, acked, "ACK at the callee")
	if d.From() != "1001" || d.FromName() != "Box" {
		t.Errorf("callee sees From %q %q", d.From(), d.FromName())
	}
	if err := cd.Hangup(ctx); err != nil {
		t.Errorf("Hangup: %v", err)
	}
	waitDone(t, d, CauseBye)
	if cd.Cause() != CauseHangup {
		t.Errorf("Cause %q", cd.Cause())
	}
	callee.Close()
	caller.Close()
	checkNoLeaks(t, before)
}

// TestDialRemoteBye: the callee hangs up and sends a key first.
func TestDialRemoteBye(t *testing.T) {
	callee := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
			return
		}
		d.Hangup(ctx)
	}))
	caller := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {}))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cd, err := caller.Dial(ctx, DialOptions{Target: "sip:6500@" + callee.Addr().String(), From: "1001", SDP: sdpOffer("sendrecv")})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	select {
	case <-cd.Done():
	case <-time.After(wait):
		t.Fatal("no BYE")
	}
	if cd.Cause() != CauseBye {
		t.Errorf("Cause %q", cd.Cause())
	}
}

func containsCode(codes []int, c int) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

// TestDialBusy: 486 comes back as a StatusError.
func TestDialBusy(t *testing.T) {
	callee := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) { d.Reject(486, "") }))
	caller := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {}))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := caller.Dial(ctx, DialOptions{Target: "6500@" + callee.Addr().String(), From: "1001", SDP: sdpOffer("sendrecv")})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 486 {
		t.Fatalf("err %v, want StatusError 486", err)
	}
}

// TestDialCancel: ctx ends while ringing: CANCEL, the callee sees it.
func TestDialCancel(t *testing.T) {
	cancelled := make(chan *Dialog, 1)
	callee := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		d.Ringing()
		<-ctx.Done()
		cancelled <- d
	}))
	caller := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {}))
	ctx, cancel := context.WithCancel(context.Background())
	_, err := caller.Dial(ctx, DialOptions{Target: "6500@" + callee.Addr().String(), From: "1001", SDP: sdpOffer("sendrecv"),
		OnProgress: func(p Progress) {
			if p.Code == 180 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	waitDone(t, expect(t, cancelled, "callee's ctx"), CauseCancel)
}

// TestDialProxyAuth: a peer challenges with 407, checks the credentials,
// then answers 486.
func TestDialProxyAuth(t *testing.T) {
	auths := make(chan string, 2)
	addr := newPeer(t, func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		h := req.GetHeader("Proxy-Authorization")
		if h == nil {
			res := sipmsg.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
			res.AppendHeader(sipmsg.NewHeader("Proxy-Authenticate", `Digest realm="trunk", nonce="abc123", qop="auth", algorithm=MD5`))
			tx.Respond(res)
			return
		}
		auths <- h.Value()
		tx.Respond(sipmsg.NewResponseFromRequest(req, 486, "Busy Here", nil))
	})
	caller := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {}))
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, err := caller.Dial(ctx, DialOptions{Target: "6500@" + addr, From: "1001", AuthUser: "trunkuser", Password: "s3cret", SDP: sdpOffer("sendrecv")})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 486 {
		t.Fatalf("err %v, want StatusError 486", err)
	}
	a := expect(t, auths, "authorized INVITE")
	if !strings.Contains(a, `username="trunkuser"`) || !strings.Contains(a, `nonce="abc123"`) {
		t.Errorf("Proxy-Authorization %q", a)
	}
}

// newPeer runs a bare sipgo server on UDP 127.0.0.1.
func newPeer(t *testing.T, onInvite sipgo.RequestHandler) string {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(testLog())),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(testLog())))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(testLog()))
	if err != nil {
		t.Fatal(err)
	}
	srv.OnInvite(onInvite)
	pc, err := netListenUDP()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { srv.ServeUDP(pc) })
	t.Cleanup(func() { pc.Close(); wg.Wait(); ua.Close() })
	return pc.LocalAddr().String()
}

func netListenUDP() (net.PacketConn, error) { return net.ListenPacket("udp", "127.0.0.1:0") }
