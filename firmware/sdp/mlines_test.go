package sdp

import (
	"strings"
	"testing"
)

// mLinesOf returns the m= lines of an SDP body.
func mLinesOf(body []byte) []string {
	var out []string
	for _, l := range strings.Split(string(body), "\r\n") {
		if strings.HasPrefix(l, "m=") {
			out = append(out, l)
		}
	}
	return out
}

// TestAnswerKeepsMLines checks RFC 3264 section 6: the answer has the
// offer's m= lines in order, every stream but the chosen audio one with
// port 0.
func TestAnswerKeepsMLines(t *testing.T) {
	tests := []struct {
		name  string
		offer []byte
		want  []string
	}{
		{"audio then video", withHead("m=audio 4000 RTP/AVP 0", "m=video 4002 RTP/AVP 96 97", "a=rtpmap:96 H264/90000"),
			[]string{"m=audio 20000 RTP/AVP 0", "m=video 0 RTP/AVP 96"}},
		{"video first", withHead("m=video 4002 RTP/AVP 31", "m=audio 4000 RTP/AVP 8"),
			[]string{"m=video 0 RTP/AVP 31", "m=audio 20000 RTP/AVP 8"}},
		{"rejected audio, second audio, app", withHead("m=audio 0 RTP/AVP 0", "m=audio 4000 RTP/AVP 0 101",
			"a=rtpmap:101 telephone-event/8000", "m=application 5000 UDP/BFCP *", "m=audio 4004 RTP/AVP 8"),
			[]string{"m=audio 0 RTP/AVP 0", "m=audio 20000 RTP/AVP 0 101", "m=application 0 UDP/BFCP *", "m=audio 0 RTP/AVP 8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Negotiate(tt.offer, g711)
			if err != nil {
				t.Fatal(err)
			}
			ans := Answer(local, m, 1, 1)
			got := mLinesOf(ans)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("m= lines\n got %q\nwant %q\nanswer:\n%s", got, tt.want, ans)
			}
			back, err := Parse(ans)
			if err != nil {
				t.Fatalf("Parse(answer): %v", err)
			}
			if back.Audio.Addr != local || back.Audio.Index != m.Index {
				t.Fatalf("answer reads back as %v at line %d, want %v at %d", back.Audio.Addr, back.Audio.Index, local, m.Index)
			}
		})
	}
}
