package sip

import (
	"context"
	"errors"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

// TestRefer: a REFER reaches OnRefer; one it refuses is answered with the
// refusal's status (no NOTIFY), one it accepts gets 202 and NOTIFYs report
// 100 Trying, then the new leg's real outcome (200 OK or e.g. 486).
func TestRefer(t *testing.T) {
	tests := []struct {
		name      string
		later     bool // report from another goroutine after OnRefer's f returned
		refuse    error
		outcome   error
		wantCode  int
		wantFinal string
	}{
		{"answered", false, nil, nil, 202, "SIP/2.0 200 OK\r\n"},
		{"answered later", true, nil, nil, 202, "SIP/2.0 200 OK\r\n"},
		{"busy later", true, nil, &StatusError{Code: 486, Reason: "Busy Here"}, 202, "SIP/2.0 486 Busy Here\r\n"},
		{"plain error", false, nil, errors.New("boom"), 202, "SIP/2.0 503 Service Unavailable\r\n"},
		{"refused", false, &StatusError{Code: 403, Reason: "Forbidden"}, nil, 403, ""},
		{"refused plain", false, errors.New("no"), nil, 603, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			referCase(t, tt.later, tt.refuse, tt.outcome, tt.wantCode, tt.wantFinal)
		})
	}
}

func referCase(t *testing.T, later bool, refuse, outcome error, wantCode int, wantFinal string) {
	targets := make(chan string, 1)
	reported := make(chan int, 1) // NOTIFYs received when report returned
	goAhead := make(chan struct{})
	var notifies chan string
	s := startServer(t, HandlerFunc(func(ctx context.Context, d *Dialog) {
		d.OnRefer(func(target string, report func(error)) error {
			targets <- target
			if refuse != nil {
				return refuse
			}
			if !later {
				report(outcome)
				return nil
			}
			go func() {
				<-goAhead
				report(outcome)
				reported <- len(notifies)
			}()
			return nil
		})
		if _, err := d.Answer(ctx, answerSDP(t, d, d.Offer(), 1)); err != nil {
			return
		}
		<-ctx.Done()
	}))
	u := newUAC(t, "udp", s)
	notifies = make(chan string, 4)
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
	if err != nil || res.StatusCode != wantCode {
		t.Fatalf("REFER: %v %v, want %d", res, err, wantCode)
	}
	if got := expect(t, targets, "OnRefer"); got != "sip:6001@10.0.0.9" {
		t.Errorf("target %q", got)
	}
	if later {
		close(goAhead)
		if n := expect(t, reported, "report"); n != 2 {
			t.Errorf("report returned with %d NOTIFYs received, want both", n)
		}
	}
	if wantFinal != "" {
		if n := expect(t, notifies, "NOTIFY"); n != "SIP/2.0 100 Trying\r\n" {
			t.Errorf("first NOTIFY %q", n)
		}
		if n := expect(t, notifies, "NOTIFY"); n != wantFinal {
			t.Errorf("final NOTIFY %q, want %q", n, wantFinal)
		}
	}
	sess.Bye(ctx)
	if len(notifies) > 0 {
		t.Errorf("unexpected NOTIFY %q", <-notifies)
	}
}
