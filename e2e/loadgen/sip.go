package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// msg is the little of a SIP message the load generator needs.
type msg struct {
	status  int    // 0 for requests
	method  string // request method, or the CSeq method of a response
	callID  string
	toTag   string
	cseq    string // the whole CSeq value
	via     string
	from    string
	to      string
	rtpPort int // m=audio port of an SDP body
}

// parse reads a SIP message; it returns false for anything it can't use.
func parse(b []byte) (msg, bool) {
	var m msg
	head, body, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	if len(lines) == 0 {
		return m, false
	}
	if rest, ok := strings.CutPrefix(lines[0], "SIP/2.0 "); ok {
		code, _, _ := strings.Cut(rest, " ")
		m.status, _ = strconv.Atoi(code)
	} else {
		m.method, _, _ = strings.Cut(lines[0], " ")
	}
	for _, l := range lines[1:] {
		name, val, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "call-id", "i":
			m.callID = val
		case "cseq":
			m.cseq = val
			if m.status != 0 {
				_, m.method, _ = strings.Cut(val, " ")
			}
		case "to", "t":
			m.to = val
			if i := strings.Index(val, ";tag="); i >= 0 {
				m.toTag = val[i+5:]
				if j := strings.IndexByte(m.toTag, ';'); j >= 0 {
					m.toTag = m.toTag[:j]
				}
			}
		case "from", "f":
			m.from = val
		case "via", "v":
			if m.via == "" {
				m.via = val
			}
		}
	}
	for _, l := range strings.Split(string(body), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(l), "m=audio "); ok {
			p, _, _ := strings.Cut(rest, " ")
			m.rtpPort, _ = strconv.Atoi(p)
		}
	}
	return m, m.callID != ""
}

// sipMsgs builds the requests of one call.
type sipMsgs struct {
	local, remote string // host:port of our SIP socket and the box
	rtpPort       int
	number        string
}

func (s sipMsgs) invite(callID string, branch int) []byte {
	sdp := fmt.Sprintf("v=0\r\no=lg 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\n", s.rtpPort)
	return fmt.Appendf(nil, "INVITE sip:%s@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d;rport\r\n"+
		"From: <sip:load@%s>;tag=lg%s\r\nTo: <sip:%s@%s>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"+
		"Contact: <sip:load@%s>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s",
		s.number, s.remote, s.local, callID, branch, s.local, callID, s.number, s.remote, callID, s.local, len(sdp), sdp)
}

func (s sipMsgs) inDialog(method, callID, toTag string, cseq, branch int) []byte {
	return fmt.Appendf(nil, "%s sip:%s@%s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-%d;rport\r\n"+
		"From: <sip:load@%s>;tag=lg%s\r\nTo: <sip:%s@%s>;tag=%s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		method, s.number, s.remote, s.local, callID, branch, s.local, callID, s.number, s.remote, toTag, callID, cseq, method)
}

// ok answers a request from the box (its BYE) with 200.
func ok(m msg) []byte {
	return fmt.Appendf(nil, "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
		m.via, m.from, m.to, m.callID, m.cseq)
}
