package sip

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/ivrbox/ivrbox/firmware/sdp"
)

// answered starts a server whose handler answers, runs setup on the dialog
// first, and stays until the call ends; it returns a confirmed call.
func answered(t *testing.T, tp string, setup func(d *Dialog)) (*uac, *sipgo.DialogClientSession, *Dialog) {
	t.Helper()
	dialogs := make(chan *Dialog, 1)
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		if setup != nil {
			setup(d)
		}
		dialogs <- d
		if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
			t.Errorf("Answer: %v", err)
		}
		<-d.Done()
	}))
	u := newUAC(t, tp, s)
	ctx := context.Background()
	sess, _, err := u.call(ctx, "6501", sdpOffer("sendrecv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Bye(ctx) }) // before the UAC and server go
	return u, sess, expect(t, dialogs, "dialog")
}

// TestReInvite: hold and unhold reach OnReInvite and get mirrored answers;
// a refused offer gets 488 and the call goes on; a re-INVITE without SDP
// gets our current SDP and its ACK's answer reaches OnReInvite.
func TestReInvite(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp, func(t *testing.T) {
			offers := make(chan []byte, 4)
			var version atomic.Uint64
			version.Store(1)
			u, sess, d := answered(t, tp, func(d *Dialog) {
				d.OnReInvite(func(offer []byte) ([]byte, error) {
					offers <- offer
					m, err := sdp.Negotiate(offer, []uint8{sdp.PCMU, sdp.PCMA})
					if err != nil {
						return nil, &StatusError{Code: 488, Err: err}
					}
					return sdp.Answer(netip.AddrPortFrom(d.LocalAddr().Addr(), 30000), m, 1, version.Add(1)), nil
				})
			})
			ctx := context.Background()
			for _, step := range []struct{ offer, want string }{
				{"sendonly", sdp.RecvOnly}, {"inactive", sdp.Inactive}, {"sendrecv", sdp.SendRecv},
			} {
				res := u.request(ctx, sess, sipmsg.INVITE, "application/sdp", sdpOffer(step.offer))
				if res.StatusCode != 200 {
					t.Fatalf("re-INVITE %s: %d", step.offer, res.StatusCode)
				}
				u.ack(ctx, sess, nil)
				if got := expect(t, offers, "offer"); !strings.Contains(string(got), "a="+step.offer) {
					t.Errorf("OnReInvite got %q", got)
				}
				desc, err := sdp.Parse(res.Body())
				if err != nil || desc.Audio.Direction != step.want {
					t.Errorf("answer to %s: %+v %v, want %s", step.offer, desc, err, step.want)
				}
			}

			g729 := []byte("v=0\r\no=uac 1 9 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 18\r\n")
			if res := u.request(ctx, sess, sipmsg.INVITE, "application/sdp", g729); res.StatusCode != 488 {
				t.Errorf("re-INVITE with G.729 only: %d, want 488", res.StatusCode)
			}
			expect(t, offers, "refused offer")

			res := u.request(ctx, sess, sipmsg.INVITE, "", nil)
			if res.StatusCode != 200 || len(res.Body()) == 0 {
				t.Fatalf("re-INVITE without SDP: %d body %q", res.StatusCode, res.Body())
			}
			u.ack(ctx, sess, sdpOffer("sendrecv"))
			expect(t, offers, "answer from the ACK")

			select {
			case <-d.Done():
				t.Fatalf("call ended: %s", d.Cause())
			default:
			}
			if err := sess.Bye(ctx); err != nil {
				t.Fatal(err)
			}
			waitDone(t, d, CauseBye)
		})
	}
}

// TestInfo: DTMF INFO reaches OnInfo; other bodies are refused and ignored.
func TestInfo(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp, func(t *testing.T) {
			keys := make(chan byte, 8)
			u, sess, _ := answered(t, tp, func(d *Dialog) {
				d.OnInfo(func(k byte) { keys <- k })
			})
			ctx := context.Background()
			for _, tt := range []struct {
				ctype, body string
				code        int
				key         byte
			}{
				{"application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", 200, '5'},
				{"application/dtmf-relay", "Signal=11\r\nDuration=100\r\n", 200, '#'},
				{"application/dtmf", "*", 200, '*'},
				{"application/dtmf-relay", "Signal=X\r\n", 400, 0},
				{"text/plain", "5", 415, 0},
				{"", "", 200, 0},
			} {
				var body []byte
				if tt.body != "" {
					body = []byte(tt.body)
				}
				res := u.request(ctx, sess, sipmsg.INFO, tt.ctype, body)
				if res.StatusCode != tt.code {
					t.Errorf("INFO %s %q: %d, want %d", tt.ctype, tt.body, res.StatusCode, tt.code)
				}
				if tt.key != 0 {
					if got := expect(t, keys, "key"); got != tt.key {
						t.Errorf("OnInfo got %q, want %q", got, tt.key)
					}
				}
			}
			select {
			case k := <-keys:
				t.Errorf("unexpected key %q", k)
			default:
			}
		})
	}
}

// outOfDialog sends a request with made-up tags through the UAC's client.
func outOfDialog(t *testing.T, u *uac, method sipmsg.RequestMethod, toTag bool, hdrs ...sipmsg.Header) *sipmsg.Response {
	t.Helper()
	req := sipmsg.NewRequest(method, u.uri("6500"))
	from := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: "1001", Host: "127.0.0.1"}}
	from.Params.Add("tag", sipmsg.GenerateTagN(8))
	to := &sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: "6500", Host: "127.0.0.1"}}
	if toTag {
		to.Params.Add("tag", sipmsg.GenerateTagN(8))
	}
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&sipmsg.ContactHeader{Address: sipmsg.Uri{Scheme: "sip", User: "uac", Host: "127.0.0.1", Port: 5999}})
	for _, h := range hdrs {
		req.AppendHeader(h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	res, err := u.cli.Do(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return res
}

// TestOutOfDialog: requests for unknown dialogs get 481; OPTIONS gets 200
// with Allow and Accept; methods we know but do not serve 405 (unknown ones 501);
// unsupported extensions 420.
func TestOutOfDialog(t *testing.T) {
	for _, tp := range transports {
		t.Run(tp, func(t *testing.T) {
			s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
				t.Errorf("handler called for %s", d.CallID())
			}))
			u := newUAC(t, tp, s)
			for _, m := range []sipmsg.RequestMethod{sipmsg.BYE, sipmsg.INFO, sipmsg.INVITE, sipmsg.OPTIONS} {
				if res := outOfDialog(t, u, m, true); res.StatusCode != 481 {
					t.Errorf("%s in unknown dialog: %d, want 481", m, res.StatusCode)
				}
			}
			if res := outOfDialog(t, u, sipmsg.CANCEL, false); res.StatusCode != 481 {
				t.Errorf("CANCEL of nothing: %d, want 481", res.StatusCode)
			}
			res := outOfDialog(t, u, sipmsg.OPTIONS, false)
			if res.StatusCode != 200 || res.GetHeader("Allow") == nil || !strings.Contains(res.GetHeader("Accept").Value(), "application/sdp") {
				t.Errorf("OPTIONS:\n%s", res)
			}
			if res := outOfDialog(t, u, sipmsg.MESSAGE, false); res.StatusCode != 405 || res.GetHeader("Allow") == nil {
				t.Errorf("MESSAGE:\n%s", res)
			}
			res = outOfDialog(t, u, sipmsg.INVITE, false, sipmsg.NewHeader("Require", "100rel"))
			if res.StatusCode != 420 || res.GetHeader("Unsupported").Value() != "100rel" {
				t.Errorf("INVITE with Require:\n%s", res)
			}
			mf := sipmsg.MaxForwardsHeader(0)
			if res := outOfDialog(t, u, sipmsg.INVITE, false, &mf); res.StatusCode != 483 {
				t.Errorf("INVITE with Max-Forwards 0: %d, want 483", res.StatusCode)
			}
		})
	}
}

// TestHandlerPanic: a panic before the answer gets 500, after it a BYE; the
// server goes on serving.
func TestHandlerPanic(t *testing.T) {
	var calls atomic.Int32
	dialogs := make(chan *Dialog, 3)
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		dialogs <- d
		switch calls.Add(1) {
		case 1:
			panic("boom before answer")
		case 2:
			d.Answer(ctx, answerSDP(t, d, d.Offer(), 1))
			panic("boom after answer")
		}
		d.Answer(ctx, answerSDP(t, d, d.Offer(), 1))
		<-d.Done()
	}))
	u := newUAC(t, "udp", s)
	ctx := context.Background()

	_, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
	var de *sipgo.ErrDialogResponse
	if !errors.As(err, &de) || de.Res.StatusCode != 500 {
		t.Errorf("call into panicking handler: %v, want 500", err)
	}
	waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)

	sess, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
	if err != nil {
		t.Fatal(err)
	}
	sess.Ack(ctx)
	expect(t, u.byes, "BYE after panic")
	waitDone(t, expect(t, dialogs, "dialog"), CauseHangup)

	sess, _, err = u.call(ctx, "6500", sdpOffer("sendrecv"))
	if err != nil {
		t.Fatalf("server stopped serving: %v", err)
	}
	sess.Ack(ctx)
	if err := sess.Bye(ctx); err != nil {
		t.Fatal(err)
	}
}
