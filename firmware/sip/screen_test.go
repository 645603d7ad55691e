package sip

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

const okOptions = "OPTIONS sip:6500@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n" +
	"From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:6500@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 OPTIONS\r\n" +
	"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n"

// TestScreen: what the raw screening passes, cuts and answers.
func TestScreen(t *testing.T) {
	s := &Server{opts: Options{UserAgent: "ivrbox/test"}}
	cases := []struct {
		name, msg string
		pass      string // "" : refused
		code      string // the answer's status line start, "" : none
	}{
		{"valid", okOptions, okOptions, ""},
		{"trailing noise cut (UDP)", okOptions + "INVITE sip:x SIP/2.0\r\n\r\n", okOptions, ""},
		{"version", strings.Replace(okOptions, "SIP/2.0\r\nVia", "SIP/7.0\r\nVia", 1), "", "SIP/2.0 505"},
		{"scheme", strings.Replace(okOptions, "sip:6500@127.0.0.1 SIP", "foo:bar SIP", 1), "", "SIP/2.0 416"},
		{"spaces", strings.Replace(okOptions, "OPTIONS sip", "OPTIONS  sip", 1), "", "SIP/2.0 400"},
		{"length", strings.Replace(okOptions, "Content-Length: 0", "Content-Length: 10", 1), "", "SIP/2.0 400"},
		{"two lengths", strings.Replace(okOptions, "Content-Length: 0", "l: 0\r\nContent-Length: 0", 1), "", "SIP/2.0 400"},
		{"a response is passed, never answered", "SIP/2.0 99999 x\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK\r\n\r\n",
			"SIP/2.0 99999 x\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK\r\n\r\n", ""},
		{"no Via: nothing to answer to", "OPTIONS foo:x SIP/2.0\r\nCall-ID: x\r\n\r\n", "", ""},
	}
	for _, c := range cases {
		r := s.screen([]byte(c.msg), true)
		if string(r.pass) != c.pass {
			t.Errorf("%s: passed %q, want %q", c.name, r.pass, c.pass)
		}
		if !bytes.HasPrefix(r.reply, []byte(c.code)) || (c.code == "") != (r.reply == nil) {
			t.Errorf("%s: answer %q, want %q...", c.name, r.reply, c.code)
		}
	}
}

// TestFramer: a stream is cut into messages; junk between them is dropped
// and costs nothing to the message before or after it.
func TestFramer(t *testing.T) {
	s := &Server{opts: Options{UserAgent: "ivrbox/test"}}
	var replies [][]byte
	f := &framer{screen: func(b []byte) screenResult { return s.screen(b, false) },
		reply: func(b []byte) { replies = append(replies, b) }, junk: func(string, []byte) {}}
	stream := okOptions + "junk junk\r\nmore junk\r\n" + okOptions + "\r\n\r\n" + okOptions
	got := frameAll(t, f, stream, 7)
	want := okOptions + okOptions + "\r\n\r\n" + okOptions
	if got != want {
		t.Errorf("framed %q\nwant %q", got, want)
	}
	if len(replies) != 0 {
		t.Errorf("answers %q, want none", replies)
	}
}

// frameAll feeds stream to f in chunks of n bytes and returns what it
// hands on.
func frameAll(t *testing.T, f *framer, stream string, n int) string {
	t.Helper()
	in := []byte(stream)
	raw := func(p []byte) (int, error) {
		if len(in) == 0 {
			return 0, errEOF
		}
		k := copy(p[:min(len(p), n)], in)
		in = in[k:]
		return k, nil
	}
	var out bytes.Buffer
	p := make([]byte, 100)
	for {
		k, err := f.read(p, raw)
		out.Write(p[:k])
		if err != nil {
			return out.String()
		}
	}
}

var errEOF = errString("EOF")

// FuzzScreen: screening never panics and never passes more than it got.
func FuzzScreen(f *testing.F) {
	f.Add([]byte(okOptions))
	f.Add([]byte(okOptions + "garbage"))
	f.Add([]byte("INVITE sip:a SIP/2.0\r\nl: 5\r\n\r\nabc"))
	f.Add([]byte("SIP/2.0 200 OK\r\n\r\n"))
	s := &Server{opts: Options{UserAgent: "ivrbox/test"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, udp := range []bool{true, false} {
			r := s.screen(data, udp)
			if len(r.pass) > len(data) {
				t.Fatalf("passed %d bytes of %d", len(r.pass), len(data))
			}
		}
	})
}

// FuzzFramer: framing never panics, never hands on more than it read, and
// what it hands on is whole screened messages or keep-alives.
func FuzzFramer(f *testing.F) {
	f.Add([]byte(okOptions+okOptions), 5)
	f.Add([]byte(okOptions+"junk\r\n"+okOptions), 1000)
	f.Add([]byte("\r\n\r\n"+okOptions), 3)
	f.Add([]byte("INVITE sip:a SIP/2.0\r\nContent-Length: 99999999\r\n\r\n"), 10)
	s := &Server{opts: Options{UserAgent: "ivrbox/test"}}
	f.Fuzz(func(t *testing.T, data []byte, n int) {
		if n <= 0 || n > 1<<16 {
			n = 1 + n&0xff
		}
		fr := &framer{screen: func(b []byte) screenResult { return s.screen(b, false) },
			reply: func([]byte) {}, junk: func(string, []byte) {}}
		out := frameAll(t, fr, string(data), n)
		if len(out) > len(data) {
			t.Fatalf("handed on %d bytes of %d", len(out), len(data))
		}
	})
}

// TestLibLog: sipgo's errors come out as WARN, once a second per text,
// long attributes cut; debug lines pass.
func TestLibLog(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(newLibLog(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	long := strings.Repeat("x", 500)
	for range 5 {
		l.Error("failed to parse", "data", long)
	}
	l.Debug("keep alive")
	out := buf.String()
	if n := strings.Count(out, "failed to parse"); n != 1 {
		t.Errorf("%d lines of the same error in a second, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "level=ERROR") || strings.Contains(out, long) {
		t.Errorf("error not demoted or not cut:\n%s", out)
	}
	if !strings.Contains(out, "keep alive") {
		t.Errorf("debug line lost:\n%s", out)
	}
}

// BenchmarkScreen: the cost screening adds to each datagram (an INVITE with
// SDP, as a call's first message).
func BenchmarkScreen(b *testing.B) {
	sdp := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\n" +
		"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n"
	inv := strings.Replace(strings.Replace(okOptions, "OPTIONS", "INVITE", -1), "Content-Length: 0\r\n\r\n",
		"Contact: <sip:a@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\nContent-Length: "+
			strconv.Itoa(len(sdp))+"\r\n\r\n"+sdp, 1)
	s := &Server{opts: Options{UserAgent: "ivrbox/test"}}
	data := []byte(inv)
	b.ReportAllocs()
	for b.Loop() {
		if r := s.screen(data, true); r.pass == nil {
			b.Fatal(r.why)
		}
	}
}
