package sip

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
)

// TCP and TLS framing: the stream an accepted connection carries is cut
// into messages here, by the blank line and Content-Length, before sipgo
// sees it. Each message is screened (screen.go) and handed to sipgo on its
// own; a line that cannot start a message is dropped (junk after a valid
// request no longer costs that request its answer: sipgo closes the
// connection on a parse error, before the answer can be written), and a
// message sipgo could not parse gets its 400 here.

// maxMessage bounds one framed message, as sipgo's parser does.
const maxMessage = 65535

// errFraming reports a stream that cannot be cut into messages (a message
// too large, a broken Content-Length): the connection is closed.
var errFraming = errors.New("sip: stream framing")

// framer cuts one connection's stream into screened messages.
type framer struct {
	in     []byte                    // read, not yet framed
	out    []byte                    // framed and screened, not yet returned
	screen func([]byte) screenResult // the server's screening
	reply  func([]byte)              // writes an answer on the connection
	junk   func(why string, data []byte)
	ua     string // the Server header of an answer
	buf    []byte // read buffer, made at the first read
}

// read returns the next bytes for sipgo: the rest of a framed message, or
// keep-alive CRLFs, reading more from raw as needed.
func (f *framer) read(p []byte, raw func([]byte) (int, error)) (int, error) {
	for {
		if len(f.out) > 0 {
			n := copy(p, f.out)
			f.out = f.out[n:]
			if len(f.out) == 0 {
				f.out = nil
			}
			return n, nil
		}
		done, err := f.next()
		if err != nil {
			return 0, err
		}
		if done {
			continue
		}
		if f.buf == nil {
			f.buf = make([]byte, 4<<10) // most messages fit; a larger one takes more reads
		}
		n, err := raw(f.buf)
		f.in = append(f.in, f.buf[:n]...)
		if err != nil {
			if n > 0 {
				continue // frame what came first; the error comes back on the next read
			}
			return 0, err
		}
	}
}

// next frames what it can of f.in: true when it moved something to f.out
// or dropped something (call again), false when it needs more input.
func (f *framer) next() (bool, error) {
	if len(f.in) == 0 {
		return false, nil
	}
	if k := leadingCRLF(f.in); k > 0 { // keep-alives (RFC 5626 section 3.5.1)
		k = min(k, 4)
		f.out, f.in = append([]byte(nil), f.in[:k]...), f.in[k:]
		return true, nil
	}
	eol := bytes.IndexByte(f.in, '\n')
	if eol < 0 {
		if len(f.in) > maxMessage {
			f.junk("line too long", f.in)
			f.in = nil
			return false, fmt.Errorf("%w: line over %d bytes", errFraming, maxMessage)
		}
		return false, nil
	}
	if !startLine(f.in[:eol]) {
		f.junk("not a SIP start line", f.in[:eol+1])
		f.in = f.in[eol+1:]
		return true, nil
	}
	head, body, ok := splitHead(f.in)
	if !ok {
		if len(f.in) > maxMessage {
			f.junk("headers too long", f.in)
			f.in = nil
			return false, fmt.Errorf("%w: headers over %d bytes", errFraming, maxMessage)
		}
		return false, nil
	}
	return f.message(head, body)
}

// message frames the message whose headers f.in starts with, once its
// body (Content-Length bytes) is in.
func (f *framer) message(head, body []byte) (bool, error) {
	n, err := contentLength(headerLines(head))
	if err != nil || n < 0 { // RFC 3261 section 18.3: mandatory on a stream
		why := "no Content-Length"
		if err != nil {
			why = err.Error()
		}
		f.refuse(head, why)
		f.in = nil
		return false, fmt.Errorf("%w: %s", errFraming, why)
	}
	size := len(f.in) - len(body) + n
	if size > maxMessage {
		f.refuse(head, "message too large")
		f.in = nil
		return false, fmt.Errorf("%w: message of %d bytes", errFraming, size)
	}
	if len(body) < n {
		return false, nil
	}
	msg := f.in[:size]
	r := f.screen(msg)
	if r.pass != nil {
		f.out = append([]byte(nil), r.pass...)
	} else {
		f.junk(r.why, msg)
		if r.reply != nil {
			f.reply(r.reply)
		}
	}
	f.in = f.in[size:]
	if len(f.in) == 0 {
		f.in = nil
	}
	return true, nil
}

// refuse answers a message whose length cannot be known with 400.
func (f *framer) refuse(head []byte, why string) {
	f.junk(why, head)
	if !bytes.HasPrefix(head, []byte("SIP/")) && !bytes.HasPrefix(head, []byte("ACK ")) {
		if res := rawResponse(head, 400, "Bad Request", f.ua); res != nil {
			f.reply(res)
		}
	}
}

// leadingCRLF counts the CR and LF bytes b starts with.
func leadingCRLF(b []byte) int {
	n := 0
	for n < len(b) && (b[n] == '\r' || b[n] == '\n') {
		n++
	}
	return n
}

// startLine reports whether line could start a SIP message: a status line
// or "METHOD SP URI SP SIP/version".
func startLine(line []byte) bool {
	l := strings.TrimRight(string(line), "\r\n")
	if strings.HasPrefix(l, "SIP/") {
		return true
	}
	i := strings.LastIndex(l, " SIP/")
	return i > 0 && strings.IndexByte(l[:i], ' ') > 0
}

// newFramer gives the server's screening and logging to the framer of an
// accepted connection.
func (s *Server) newFramer(c net.Conn, transport string) *framer {
	return &framer{ua: s.opts.UserAgent,
		screen: func(b []byte) screenResult { return s.screen(b, false) },
		reply: func(b []byte) {
			if _, err := c.Write(b); err != nil {
				s.log.Debug("answer to a refused message failed", "remote", c.RemoteAddr().String(), "error", err)
			}
		},
		junk: func(why string, data []byte) { s.badInput.log(s.log, transport, c.RemoteAddr(), why, data) },
	}
}
