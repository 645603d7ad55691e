package sip

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/ivrbox/ivrbox/firmware/sdp"
)

var transports = []string{"udp", "tcp"}

// answerSDP negotiates offer and builds our answer on port 30000.
func answerSDP(t *testing.T, d *Dialog, offer []byte, version uint64) []byte {
	m, err := sdp.Negotiate(offer, []uint8{sdp.PCMU, sdp.PCMA})
	if err != nil {
		t.Errorf("Negotiate: %v", err)
		return nil
	}
	return sdp.Answer(netip.AddrPortFrom(d.LocalAddr().Addr(), 30000), m, 1, version)
}

// TestCallCallerHangsUp: INVITE with SDP → 180/200 → ACK → BYE from the caller
// (no 100 Trying: the 180 goes out within sipgo's 200 ms).
func TestCallCallerHangsUp(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp, func(t *testing.T) {
			dialogs := make(chan *Dialog, 1)
			acked := make(chan []byte, 1)
			seen := make(chan struct{}) // the caller saw the 180
			s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
				dialogs <- d
				if err := d.Ringing(); err != nil {
					t.Errorf("Ringing: %v", err)
				}
				// sipgo hands each response to its own goroutine: a 200 right
				// behind the 180 may overtake it at the caller.
				expect(t, seen, "180 at the caller")
				body, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1))
				if err != nil {
					t.Errorf("Answer: %v", err)
				}
				acked <- body
				<-d.Done()
			}))
			u := newUAC(t, tp, s)
			got := map[int]bool{}
			var once sync.Once
			u.onStatus = func(code int) {
				if got[code] = true; got[180] {
					once.Do(func() { close(seen) })
				}
			}
			ctx := context.Background()
			sess, codes, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if len(codes) < 2 || codes[len(codes)-2] != 180 || codes[len(codes)-1] != 200 {
				t.Errorf("statuses %v, want 180, then 200", codes)
			}
			d := expect(t, dialogs, "dialog")
			if d.From() != "1001" || d.FromName() != "Alice" || d.To() != "6500" || d.Transport() != strings.ToUpper(tp) {
				t.Errorf("dialog from %q name %q to %q transport %q", d.From(), d.FromName(), d.To(), d.Transport())
			}
			if !d.Source().Addr().IsLoopback() || d.LocalAddr().Addr() != netip.MustParseAddr("127.0.0.1") {
				t.Errorf("source %v local %v", d.Source(), d.LocalAddr())
			}
			res := sess.InviteResponse
			if res.Contact() == nil || res.GetHeader("Content-Type").Value() != "application/sdp" {
				t.Errorf("200 OK lacks Contact or SDP:\n%s", res)
			}
			if _, err := sdp.ParseAnswer(res.Body()); err != nil {
				t.Errorf("our answer: %v", err)
			}
			if err := sess.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			if body := expect(t, acked, "ACK"); len(body) != 0 {
				t.Errorf("ACK body %q", body)
			}
			if err := sess.Bye(ctx); err != nil {
				t.Fatalf("BYE: %v", err)
			}
			waitDone(t, d, CauseBye)
		})
	}
}

// TestCallWeHangUp: the handler hangs up; the caller gets our BYE.
func TestCallWeHangUp(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp, func(t *testing.T) {
			dialogs := make(chan *Dialog, 1)
			s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
				dialogs <- d
				if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
					t.Errorf("Answer: %v", err)
					return
				}
				if err := d.Hangup(ctx); err != nil {
					t.Errorf("Hangup: %v", err)
				}
				if err := d.Hangup(ctx); err != nil {
					t.Errorf("second Hangup: %v", err)
				}
			}))
			u := newUAC(t, tp, s)
			ctx := context.Background()
			sess, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
			if err != nil {
				t.Fatal(err)
			}
			if err := sess.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			bye := expect(t, u.byes, "BYE")
			if bye.CallID().Value() != sess.InviteRequest.CallID().Value() {
				t.Errorf("BYE for another call: %s", bye.CallID().Value())
			}
			waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)
		})
	}
}

// TestHandlerReturnHangsUp: a handler that returns leaves the package to
// hang up: BYE after the answer, 480 before it.
func TestHandlerReturnHangsUp(t *testing.T) {
	answer := atomic.Bool{}
	dialogs := make(chan *Dialog, 2)
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		dialogs <- d
		if answer.Load() {
			d.Answer(ctx, answerSDP(t, d, d.Offer(), 1))
		}
	}))
	u := newUAC(t, "udp", s)
	ctx := context.Background()

	_, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 480 {
		t.Errorf("unanswered call: %v, want 480", err)
	}
	waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)

	answer.Store(true)
	sess, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
	if err != nil {
		t.Fatal(err)
	}
	sess.Ack(ctx)
	expect(t, u.byes, "BYE")
	waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)
}

// TestLateOffer: INVITE without SDP; our 200 carries the offer, the ACK the answer.
func TestLateOffer(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp, func(t *testing.T) {
			acked := make(chan []byte, 1)
			s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
				if d.Offer() != nil {
					t.Errorf("Offer = %q, want nil", d.Offer())
				}
				body, err := d.Answer(ctx, sdp.Offer(netip.AddrPortFrom(d.LocalAddr().Addr(), 30000), 1, 1))
				if err != nil {
					t.Errorf("Answer: %v", err)
				}
				acked <- body
				<-d.Done()
			}))
			u := newUAC(t, tp, s)
			ctx := context.Background()
			sess, _, err := u.call(ctx, "6500", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := sdp.Negotiate(sess.InviteResponse.Body(), []uint8{sdp.PCMA}); err != nil {
				t.Fatalf("our offer: %v", err)
			}
			ans := []byte("v=0\r\no=uac 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n")
			u.ack(ctx, sess, ans) // confirms sess for Bye
			if got := expect(t, acked, "ACK body"); !bytes.Equal(got, ans) {
				t.Errorf("ACK body %q, want %q", got, ans)
			}
			if m, err := sdp.ParseAnswer(ans); err != nil || m.Codecs[0] != sdp.PCMA {
				t.Errorf("ParseAnswer: %+v %v", m, err)
			}
			if err := sess.Bye(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCancel: CANCEL before the answer → 200 to CANCEL, 487 to INVITE, cause "cancel".
func TestCancel(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp, func(t *testing.T) {
			results := make(chan error, 1)
			dialogs := make(chan *Dialog, 1)
			s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
				dialogs <- d
				d.Ringing()
				<-ctx.Done() // cancelled with the dialog
				_, err := d.Answer(context.Background(), []byte("v=0\r\n"))
				results <- err
			}))
			u := newUAC(t, tp, s)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sess, err := u.dc.Invite(ctx, u.uri("6500"), sdpOffer("sendrecv"), sipmsg.NewHeader("Content-Type", "application/sdp"))
			if err != nil {
				t.Fatal(err)
			}
			err = sess.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sipmsg.Response) error {
				if r.StatusCode == 180 {
					cancel() // the caller gives up while it rings
				}
				return nil
			}})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("WaitAnswer: %v", err)
			}
			if sess.InviteResponse.StatusCode != 487 {
				t.Errorf("INVITE final %d, want 487", sess.InviteResponse.StatusCode)
			}
			d := expect(t, dialogs, "dialog")
			waitDone(t, d, CauseCancel)
			if err := expect(t, results, "Answer"); !errors.Is(err, ErrEnded) {
				t.Errorf("Answer after CANCEL: %v, want ErrEnded", err)
			}
		})
	}
}

// TestReject: Reject sends the status, ends the dialog "rejected", and
// answering afterwards fails.
func TestReject(t *testing.T) {
	results := make(chan error, 2)
	dialogs := make(chan *Dialog, 1)
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		dialogs <- d
		results <- d.Reject(486, "")
		_, err := d.Answer(ctx, []byte("v=0\r\n"))
		results <- err
	}))
	u := newUAC(t, "tcp", s)
	_, _, err := u.call(context.Background(), "6500", sdpOffer("sendrecv"))
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 486 || de.Res.Reason != "Busy Here" {
		t.Errorf("call: %v, want 486 Busy Here", err)
	}
	if err := expect(t, results, "Reject"); err != nil {
		t.Errorf("Reject: %v", err)
	}
	if err := expect(t, results, "Answer"); !errors.Is(err, ErrEnded) {
		t.Errorf("Answer after Reject: %v, want ErrEnded", err)
	}
	waitDone(t, expect(t, dialogs, "dialog"), CauseRejected)
}
