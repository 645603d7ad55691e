package trace

import "testing"

// FuzzTake: whatever bytes a transport hands over, the store neither
// panics nor keeps more than its bounds.
func FuzzTake(f *testing.F) {
	f.Add([]byte(req("INVITE", "a", "v=0\r\n")))
	f.Add([]byte(resp(200, "INVITE", "a") + req("BYE", "a", "")))
	f.Add([]byte("INVITE x\r\nCall-ID: a\r\nContent-Length: 99999\r\n\r\nshort"))
	f.Add([]byte("\r\n\r\n\r\n"))
	f.Add([]byte("SIP/2.0 abc\r\ni:\r\nl: -1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := New(Options{Calls: 2})
		s.SIPTraceRead("TCP", "l", "r", data)
		s.SIPTraceWrite("UDP", "l", "r", data)
		for _, sum := range s.List() {
			tr, ok := s.Get(sum.SIPCallID)
			if !ok || len(tr.Messages) > MaxMessages {
				t.Fatalf("trace %+v", tr)
			}
			for _, m := range tr.Messages {
				if len(m.Text) > MaxText {
					t.Fatalf("text of %d bytes", len(m.Text))
				}
			}
		}
	})
}
