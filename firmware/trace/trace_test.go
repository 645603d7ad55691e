package trace

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
)

func req(method, callID, body string) string {
	return fmt.Sprintf("%s sip:6500@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070\r\nCall-ID: %s\r\nCSeq: 1 %s\r\nContent-Length: %d\r\n\r\n%s",
		method, callID, method, len(body), body)
}

func resp(code int, method, callID string) string {
	return fmt.Sprintf("SIP/2.0 %d OK\r\ni: %s\r\nCSeq: 1 %s\r\nContent-Length: 0\r\n\r\n", code, callID, method)
}

func TestTraceOfACall(t *testing.T) {
	counted := map[string]int{}
	s := New(Options{Calls: 2, Count: func(in bool, method string, status int) {
		counted[fmt.Sprintln(in, method, status)]++
	}})
	in := func(m string) { s.SIPTraceRead("UDP", "127.0.0.1:5060", "127.0.0.1:5070", []byte(m)) }
	out := func(m string) { s.SIPTraceWrite("UDP", "127.0.0.1:5060", "127.0.0.1:5070", []byte(m)) }
	in(req("OPTIONS", "ping", ""))
	in(req("INVITE", "abc", "v=0\r\n"))
	out(resp(100, "INVITE", "abc"))
	s.Hook(event.Event{Kind: event.CallStarted, CallID: "17.1", Call: &event.Call{SIPCallID: "abc", From: "1000", To: "6500"}})
	out(resp(200, "INVITE", "abc"))
	// A stream chunk with two messages.
	s.SIPTraceRead("TCP", "127.0.0.1:5060", "127.0.0.1:5070", []byte("\r\n"+req("ACK", "abc", "")+req("BYE", "abc", "")))
	out(resp(200, "BYE", "abc"))
	s.Hook(event.Event{Kind: event.CallEnded, CallID: "17.1", Time: time.Now(),
		Call: &event.Call{SIPCallID: "abc"}, RTP: &event.RTP{Codec: "PCMU", PacketsIn: 50, PacketsOut: 51}})

	tr, ok := s.Get("17.1")
	if !ok {
		t.Fatal("no trace by call id")
	}
	var lines []string
	for _, m := range tr.Messages {
		lines = append(lines, fmt.Sprintf("%s %s %d", m.Dir, m.Method, m.Status))
	}
	want := "in INVITE 0,out INVITE 100,out INVITE 200,in ACK 0,in BYE 0,out BYE 200"
	if strings.Join(lines, ",") != want {
		t.Errorf("messages %q, want %q", lines, want)
	}
	if tr.Live || tr.RTP == nil || tr.RTP.PacketsIn != 50 || tr.From != "1000" {
		t.Errorf("trace %+v", tr)
	}
	if _, ok := s.Get("ping"); ok {
		t.Error("OPTIONS was traced")
	}
	if counted["true OPTIONS 0\n"] != 1 || counted["false BYE 200\n"] != 1 {
		t.Errorf("counted %v", counted)
	}
	var b strings.Builder
	if err := WriteText(&b, tr); err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{"--> box UDP  INVITE sip:6500", "<-- box UDP  SIP/2.0 200 OK", "packets in 50", "=== "} {
		if !strings.Contains(b.String(), part) {
			t.Errorf("text lacks %q:\n%s", part, b.String())
		}
	}

	// Bounded: two calls kept, the ended one goes first.
	in(req("INVITE", "c2", ""))
	in(req("INVITE", "c3", ""))
	if _, ok := s.Get("abc"); ok {
		t.Error("the oldest ended call was kept beyond the limit")
	}
	if l := s.List(); len(l) != 2 || l[0].SIPCallID != "c3" {
		t.Errorf("list %+v", l)
	}
	for range MaxMessages + 5 {
		in(req("INFO", "c3", ""))
	}
	if tr, _ := s.Get("c3"); len(tr.Messages) != MaxMessages || tr.Dropped != 6 {
		t.Errorf("messages %d dropped %d", len(tr.Messages), tr.Dropped)
	}
}
