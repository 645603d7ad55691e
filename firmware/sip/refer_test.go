package sip

import (
	"context"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

// TestRefer: a REFER reaches OnRefer, is accepted 202, and NOTIFYs report
// 100 Trying then 200 OK.
func TestRefer(t *testing.T) {
	targets := make(chan string, 1)
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		d.OnRefer(func(target string) error { targets <- target; return nil })
		if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
			return
		}
		<-ctx.Done()
	}))
	u := newUAC(t, "udp", s)
	notifies := make(chan string, 4)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	sess, _, err := u.call(ctx, "6500", sdpOffer("sendrecv"))
	if err != nil {
		t.Fatal(err)
	}
	u.ack(ctx, sess, nil)
	u.onNotify(func(req *sipmsg.Request) { notifies <- string(req.Body()) })
	req := sipmsg.NewRequest(sipmsg.REFER, sess.InviteResponse.Contact().Address)
	req.AppendHeader(sipmsg.NewHeader("Refer-To", "<sip:6001@10.0.0.9>"))
	res, err := sess.Do(ctx, req)
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("REFER: %v %v", res, err)
	}
	if got := expect(t, targets, "OnRefer"); got != "sip:6001@10.0.0.9" {
		t.Errorf("target %q", got)
	}
	if n := expect(t, notifies, "NOTIFY"); n != "SIP/2.0 100 Trying\r\n" {
		t.Errorf("first NOTIFY %q", n)
	}
	if n := expect(t, notifies, "NOTIFY"); n != "SIP/2.0 200 OK\r\n" {
		t.Errorf("final NOTIFY %q", n)
	}
	sess.Bye(ctx)
}
