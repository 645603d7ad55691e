package sip

import (
	"bytes"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Raw screening: every message read from the network passes here before
// sipgo parses it. A message sipgo cannot parse gets the answer RFC 3261
// names (400, 416, 505) built from its raw header lines instead of being
// dropped in silence, a UDP datagram is cut at the end its Content-Length
// gives (RFC 3261 section 18.3: what follows is noise), and what is logged
// of outside input is short and rate-limited.

// maxUDP is the largest UDP payload (IPv4: 65535 - 20 - 8).
const maxUDP = 65507

func init() {
	// sipgo refuses to send a UDP message within 200 bytes of this "MTU";
	// responses go back the way the request came whatever their size
	// (RFC 3261 section 18.2.2), so allow anything UDP can carry.
	sipmsg.UDPMTUSize = maxUDP + 200
	// sipgo reads each datagram into a buffer this big: a larger datagram
	// would be cut short.
	sipmsg.TransportBufferReadSize = 65535
}

// screenResult is what screening decided about one message.
type screenResult struct {
	pass  []byte // the bytes to hand to sipgo; nil: none
	reply []byte // a response to send back at once; nil: none
	why   string // why the message was refused, for the log
}

// rawParser checks that sipgo will parse a message (sipgo itself shares
// one Parser among all its transports' goroutines).
var rawParser = sipmsg.NewParser()

// screen checks one whole message (a datagram, or a message the TCP framer
// cut from a stream). udp: cut trailing bytes past Content-Length.
func (s *Server) screen(data []byte, udp bool) screenResult { return s.screenParse(data, udp, true) }

// screenParse is screen; parse: also make sure sipgo's parser takes the
// message (else the listener's datagrams are answered late: lateparse.go).
func (s *Server) screenParse(data []byte, udp, parse bool) screenResult {
	head, body, ok := splitHead(data)
	if !ok {
		return screenResult{why: "no end of headers"}
	}
	lines := headerLines(head)
	if udp {
		n, err := contentLength(lines)
		switch {
		case err != nil:
			return s.refuse(head, 400, "Bad Content-Length", err.Error())
		case n > len(body):
			return s.refuse(head, 400, "Content-Length Exceeds Message", "Content-Length larger than the datagram")
		case n >= 0:
			data = data[:len(data)-len(body)+n]
		}
	}
	if bytes.HasPrefix(head, []byte("SIP/")) {
		return screenResult{pass: data} // a response is never answered: sipgo drops a bad one
	}
	if code, reason := checkStartLine(head); code != 0 {
		return s.refuse(head, code, reason, reason)
	}
	if reason := checkAddresses(lines); reason != "" {
		return s.refuse(head, 400, reason, reason)
	}
	if !parse {
		return screenResult{pass: data}
	}
	if _, err := rawParser.ParseSIP(data); err != nil {
		return s.refuse(head, 400, "Bad Request", err.Error())
	}
	return screenResult{pass: data}
}

// refuse builds the answer to a request sipgo would not take; a response
// or an ACK gets none.
func (s *Server) refuse(head []byte, code int, reason, why string) screenResult {
	r := screenResult{why: why}
	if bytes.HasPrefix(head, []byte("SIP/")) || bytes.HasPrefix(head, []byte("ACK ")) {
		return r
	}
	r.reply = rawResponse(head, code, reason, s.opts.UserAgent)
	return r
}

// splitHead splits a message at the blank line ending its headers
// (CRLF CRLF, or a bare LF LF from a sloppy peer).
func splitHead(data []byte) (head, body []byte, ok bool) {
	data = bytes.TrimLeft(data, "\r\n")
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		return data[:i+2], data[i+4:], true
	}
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		return data[:i+1], data[i+2:], true
	}
	return nil, nil, false
}

// headerLines returns the unfolded header lines of head (start line
// excluded). The lines share one copy of head; only a folded line (rare)
// costs another.
func headerLines(head []byte) []string {
	text := string(head)
	out := make([]string, 0, bytes.Count(head, []byte("\n")))
	first := true
	for l := range strings.SplitSeq(text, "\n") {
		l = strings.TrimSuffix(l, "\r")
		if first {
			first = false
			continue
		}
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1] += " " + strings.TrimSpace(l)
			continue
		}
		out = append(out, l)
	}
	return out
}

// knownHeaders maps the lower-case names of the headers screening looks
// at, long and compact (RFC 3261 section 7.3.3), to their long names.
var knownHeaders = map[string]string{
	"via": "via", "v": "via", "from": "from", "f": "from", "to": "to", "t": "to",
	"call-id": "call-id", "i": "call-id", "cseq": "cseq", "content-length": "content-length",
	"l": "content-length", "contact": "contact", "m": "contact", "route": "route",
	"record-route": "record-route", "reply-to": "reply-to",
}

// headerName returns a header line's name, long form and lower case, if
// it is one of knownHeaders ("" for any other), and its value.
func headerName(line string) (name, value string, ok bool) {
	raw, value, ok := strings.Cut(line, ":")
	if !ok {
		return "", "", false
	}
	raw = strings.TrimSpace(raw)
	var buf [16]byte
	if len(raw) <= len(buf) {
		for i := 0; i < len(raw); i++ {
			c := raw[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		name = knownHeaders[string(buf[:len(raw)])] // no copy for a map lookup
	}
	return name, strings.TrimSpace(value), true
}

// contentLength returns the Content-Length of a message's header lines,
// -1 without one; more
// than one, or one that is not a number, is an error.
func contentLength(lines []string) (int, error) {
	n := -1
	for _, l := range lines {
		name, v, ok := headerName(l)
		if !ok || name != "content-length" {
			continue
		}
		if n >= 0 {
			return 0, errString("more than one Content-Length")
		}
		x, err := strconv.ParseUint(v, 10, 31)
		if err != nil {
			return 0, errString("Content-Length not a number")
		}
		n = int(x)
	}
	return n, nil
}

// errString is a constant error.
type errString string

func (e errString) Error() string { return string(e) }

// checkStartLine checks a request line the parser may accept or refuse
// for other reasons: version SIP/2.0 (else 505), a URI scheme we know
// (else 416), single spaces, no angle brackets (else 400).
func checkStartLine(head []byte) (int, string) {
	line, _, _ := bytes.Cut(head, []byte("\n"))
	l := strings.TrimSuffix(string(line), "\r")
	if strings.HasPrefix(l, "SIP/") {
		return 0, ""
	}
	parts := strings.Split(l, " ")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return 400, "Malformed Request-Line"
	}
	if !strings.HasPrefix(parts[2], "SIP/") {
		return 400, "Malformed Request-Line"
	}
	if parts[2] != "SIP/2.0" {
		return 505, "Version Not Supported"
	}
	uri := parts[1]
	if strings.ContainsAny(uri, "<>\"") {
		return 400, "Malformed Request-URI"
	}
	scheme, _, ok := strings.Cut(uri, ":")
	if !ok {
		return 400, "Malformed Request-URI"
	}
	switch strings.ToLower(scheme) {
	case "sip", "sips", "tel":
		return 0, ""
	}
	return 416, "Unsupported URI Scheme"
}

// addressHeaders carry name-addr or addr-spec values.
var addressHeaders = map[string]bool{"contact": true, "from": true, "to": true, "route": true, "record-route": true,
	"reply-to": true}

// checkAddresses refuses an address header whose URI carries headers ("?")
// outside angle brackets (RFC 3261 section 20: such a URI must be in
// brackets; parsers differ on where it ends).
func checkAddresses(lines []string) string {
	for _, l := range lines {
		name, v, ok := headerName(l)
		if !ok || !addressHeaders[name] || strings.Contains(v, "<") {
			continue
		}
		uri, _, _ := strings.Cut(v, ";")
		if strings.Contains(uri, "?") {
			return "URI with headers outside angle brackets in " + name
		}
	}
	return ""
}

// rawResponse builds a response to a request from its raw header lines:
// its Vias, From, To (with a tag), Call-ID and CSeq. nil when the request
// lacks a Via, From, To, Call-ID or CSeq: there is nothing to answer to.
func rawResponse(head []byte, code int, reason, ua string) []byte {
	var vias []string
	var from, to, cid, cseq string
	for _, l := range headerLines(head) {
		name, v, ok := headerName(l)
		if !ok {
			continue
		}
		switch name {
		case "via":
			vias = append(vias, v)
		case "from":
			from = v
		case "to":
			to = v
		case "call-id":
			cid = v
		case "cseq":
			cseq = v
		}
	}
	if len(vias) == 0 || from == "" || to == "" || cid == "" || cseq == "" {
		return nil
	}
	if !strings.Contains(strings.ToLower(to), "tag=") {
		to += ";tag=" + strconv.FormatInt(time.Now().UnixNano()&0xffffffff, 36)
	}
	var b strings.Builder
	b.WriteString("SIP/2.0 " + strconv.Itoa(code) + " " + reason + "\r\n")
	for _, v := range vias {
		b.WriteString("Via: " + v + "\r\n")
	}
	b.WriteString("From: " + from + "\r\nTo: " + to + "\r\nCall-ID: " + cid + "\r\nCSeq: " + cseq + "\r\n")
	b.WriteString("Server: " + ua + "\r\nContent-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// filterRead is sipgo's read filter: the guard's (guard.go: blocked
// sources cost nothing more), then the screening of UDP datagrams.
func (s *Server) filterRead(p sipmsg.TransportReadProps, data []byte) ([]byte, error) {
	data, err := s.readFilter(p, data)
	if err != nil || data == nil {
		return data, err
	}
	return s.udpFilter(p, data)
}

// udpFilter screens each UDP datagram, sends
// the answer to one refused and passes the rest on.
func (s *Server) udpFilter(info sipmsg.TransportReadProps, data []byte) ([]byte, error) {
	if info.Transport != "UDP" {
		return data, nil // TCP and TLS were framed and screened already
	}
	if len(bytes.Trim(data, "\r\n")) == 0 {
		return data, nil // keep-alive
	}
	listener := s.lateOK && info.LocalAddr == s.udpLocal
	r := s.screenParse(data, true, !listener)
	if r.pass != nil {
		if listener {
			s.late.keep(r.pass, info.RemoteAddr)
		}
		return r.pass, nil
	}
	s.badInput.log(s.log, "UDP", info.RemoteAddr, r.why, data)
	if r.reply != nil {
		s.mu.Lock()
		udp := s.udp
		s.mu.Unlock()
		if udp != nil {
			if _, err := udp.WriteTo(r.reply, info.RemoteAddr); err != nil {
				s.log.Debug("answer to a refused message failed", "remote", info.RemoteAddr.String(), "error", err)
			}
		}
	}
	return nil, nil
}

// rateLog logs refused outside input at most once a second (with the count
// refused since the last line) and never more than a short quote of it.
type rateLog struct {
	mu   sync.Mutex
	last time.Time
	n    int
}

// quoteLen is how much of a refused message a log line quotes.
const quoteLen = 80

// log logs one refused message (or counts it toward the next line).
func (r *rateLog) log(l interface {
	Warn(string, ...any)
}, transport string, remote net.Addr, why string, data []byte) {
	r.mu.Lock()
	r.n++
	now := time.Now()
	if now.Sub(r.last) < time.Second {
		r.mu.Unlock()
		return
	}
	n := r.n
	r.n, r.last = 0, now
	r.mu.Unlock()
	q := data
	if len(q) > quoteLen {
		q = q[:quoteLen]
	}
	addr := ""
	if remote != nil {
		addr = remote.String()
	}
	l.Warn("refused malformed SIP message", "transport", transport, "remote", addr, "error", why,
		"start", strconv.Quote(string(q)), "refused", n)
}
