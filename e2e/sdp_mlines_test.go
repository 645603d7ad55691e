package e2e

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAnswerKeepsMLines: an offer with audio and video is answered with two
// m= lines in the offer's order, the video one rejected with port 0
// (RFC 3264 section 6), and the call goes on with its audio.
func TestAnswerKeepsMLines(t *testing.T) {
	t.Parallel()
	b := startBox(t, boxOpts{})
	sdp := inviteSDP + "m=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n"
	sc := new(scenario)
	sc.cseq = 1
	sc.send(inviteHead+"Content-Type: application/sdp\nContent-Length: [len]\n"+sdp, `retrans="500"`)
	sc.answered(false).bye()
	r := sipp(t, b, "6500", sc, nil, "udp")
	r.wait(t)
	msgs, err := os.ReadFile(r.msgF)
	if err != nil {
		t.Fatal(err)
	}
	// The 200 OK to the INVITE is the received message carrying our SDP.
	_, answer, ok := strings.Cut(string(msgs), "o=ivrbox ")
	if !ok {
		t.Fatalf("no answer SDP in SIPp's log:\n%s", msgs)
	}
	answer, _, _ = strings.Cut(answer, "----")
	got := regexp.MustCompile(`(?m)^m=\S+ \d+`).FindAllString(answer, -1)
	if len(got) != 2 || !strings.HasPrefix(got[0], "m=audio ") || got[0] == "m=audio 0" || got[1] != "m=video 0" {
		t.Fatalf("answer's m= lines %q, want audio on a port then video 0:\n%s", got, answer)
	}
	b.waitLog(5*time.Second, "event.kind=call.ended")
}
