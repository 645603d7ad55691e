package trace

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
)

// Limits on what the store keeps.
const (
	DefaultCalls = 32   // calls traced (live and recent) when Options.Calls is 0
	MaxMessages  = 40   // messages kept per call; later ones are counted
	MaxText      = 2048 // bytes of a message's text kept (at most 32 × 40 × 2 KiB in all)
	MaxCallID    = 128  // bytes of a SIP Call-ID kept: the trace's key
)

// Message is one SIP message of a call.
type Message struct {
	Time      time.Time `json:"time"`
	Dir       string    `json:"dir"` // "in" (received) or "out" (sent)
	Transport string    `json:"transport"`
	Local     string    `json:"local"`
	Remote    string    `json:"remote"`
	FirstLine string    `json:"first_line"`       // "INVITE sip:6500@… SIP/2.0", "SIP/2.0 200 OK"
	Method    string    `json:"method"`           // the request's method, or the response's CSeq method
	Status    int       `json:"status,omitempty"` // a response's status code
	Text      string    `json:"text"`             // the message, cut at MaxText bytes
}

// Trace is one call's trace.
type Trace struct {
	Call      string     `json:"call,omitempty"` // the box's call id, once the call started
	SIPCallID string     `json:"sip_call_id"`
	From      string     `json:"from,omitempty"`
	To        string     `json:"to,omitempty"`
	Started   time.Time  `json:"started"`
	Ended     time.Time  `json:"ended,omitzero"`
	Live      bool       `json:"live"`
	Messages  []Message  `json:"sip"`
	Dropped   int        `json:"dropped,omitempty"` // messages past MaxMessages, not kept
	RTP       *event.RTP `json:"rtp,omitempty"`
}

// Summary is a trace in a list.
type Summary struct {
	Call      string    `json:"call,omitempty"`
	SIPCallID string    `json:"sip_call_id"`
	From      string    `json:"from,omitempty"`
	To        string    `json:"to,omitempty"`
	Started   time.Time `json:"started"`
	Ended     time.Time `json:"ended,omitzero"`
	Live      bool      `json:"live"`
	Messages  int       `json:"messages"`
}

// Options configure a Store.
type Options struct {
	Calls int // calls kept (0: DefaultCalls)
	// LiveRTP returns a live call's RTP figures by box call id (false: not
	// live); nil: live calls show none.
	LiveRTP func(call string) (event.RTP, bool)
	// Count is told of every SIP message seen, in or out of a call (for
	// metrics); nil: not counted.
	Count func(in bool, method string, status int)
	Now   func() time.Time // nil: time.Now
}

// Store keeps the traces. It is safe for concurrent use.
type Store struct {
	opt Options

	mu     sync.Mutex
	bySIP  map[string]*Trace // by SIP Call-ID
	byCall map[string]string // box call id → SIP Call-ID
	order  []string          // SIP Call-IDs, oldest first
}

// New returns an empty store.
func New(opt Options) *Store {
	if opt.Calls <= 0 {
		opt.Calls = DefaultCalls
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Store{opt: opt, bySIP: map[string]*Trace{}, byCall: map[string]string{}}
}

// SIPTraceRead takes the bytes a SIP transport read (one datagram, or a
// stream's chunk of whole messages). It implements sipgo's SIPTracer.
func (s *Store) SIPTraceRead(transport, laddr, raddr string, msg []byte) {
	s.take(true, transport, laddr, raddr, msg)
}

// SIPTraceWrite takes the bytes a SIP transport wrote.
func (s *Store) SIPTraceWrite(transport, laddr, raddr string, msg []byte) {
	s.take(false, transport, laddr, raddr, msg)
}

// take splits data into messages and files each one.
func (s *Store) take(in bool, transport, laddr, raddr string, data []byte) {
	now := s.opt.Now()
	for len(data) > 0 {
		data = bytes.TrimLeft(data, "\r\n")
		if len(data) == 0 {
			return
		}
		var msg []byte
		msg, data = frame(data)
		s.file(in, transport, laddr, raddr, msg, now)
	}
}

// frame cuts the first message off data: its headers and Content-Length
// bytes of body (the rest of data when the length is missing or beyond).
func frame(data []byte) (msg, rest []byte) {
	end := bytes.Index(data, []byte("\r\n\r\n"))
	if end < 0 {
		return data, nil
	}
	n := end + 4
	if cl := scan(data[:end]).length; cl != "" {
		if v, err := strconv.Atoi(cl); err == nil && v >= 0 && v <= len(data)-n {
			return data[:n+v], data[n+v:]
		}
		return data, nil
	}
	return data[:n], data[n:]
}

// file adds one message to its call's trace.
func (s *Store) file(in bool, transport, laddr, raddr string, msg []byte, now time.Time) {
	first, _, _ := bytes.Cut(msg, []byte("\r\n"))
	line := string(first)
	m := Message{Time: now, Dir: "out", Transport: transport, Local: laddr, Remote: raddr, FirstLine: clip(line, 256)}
	if in {
		m.Dir = "in"
	}
	head := msg
	if end := bytes.Index(msg, []byte("\r\n\r\n")); end >= 0 {
		head = msg[:end]
	}
	h := scan(head)
	if rest, ok := strings.CutPrefix(line, "SIP/2.0 "); ok {
		code, _, _ := strings.Cut(rest, " ")
		m.Status, _ = strconv.Atoi(code)
		if _, method, ok := strings.Cut(h.cseq, " "); ok {
			m.Method = strings.TrimSpace(method)
		}
	} else {
		m.Method, _, _ = strings.Cut(line, " ")
	}
	m.Method = clip(m.Method, 16)
	if s.opt.Count != nil {
		s.opt.Count(in, m.Method, m.Status)
	}
	id := clip(h.callID, MaxCallID) // the key Get and List use
	if id == "" {
		return
	}
	m.Text = clip(string(msg), MaxText)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.bySIP[id]
	if t == nil {
		if m.Method != "INVITE" || m.Status != 0 {
			return // not a call's first message: not traced
		}
		// Room for a plain call's messages (INVITE, 100, 200, ACK, BYE,
		// 200) at once, not grown four times.
		t = &Trace{SIPCallID: id, Started: now, Live: true, Messages: make([]Message, 0, 6)}
		s.add(id, t)
	}
	if len(t.Messages) >= MaxMessages {
		t.Dropped++
		return
	}
	t.Messages = append(t.Messages, m)
}

// add keeps t, dropping the oldest ended trace (or the oldest) beyond the
// limit. s.mu must be held.
func (s *Store) add(id string, t *Trace) {
	s.bySIP[id] = t
	s.order = append(s.order, id)
	if len(s.order) <= s.opt.Calls {
		return
	}
	drop := 0
	for i, old := range s.order {
		if !s.bySIP[old].Live {
			drop = i
			break
		}
	}
	old := s.order[drop]
	s.order = append(s.order[:drop], s.order[drop+1:]...)
	if c := s.bySIP[old].Call; c != "" {
		delete(s.byCall, c)
	}
	delete(s.bySIP, old)
}

// Hook takes the bus's events: a call's start ties its box call id to its
// SIP Call-ID, its end keeps its RTP figures. It runs inline in Publish and
// only takes the store's lock.
func (s *Store) Hook(e event.Event) {
	if e.Call == nil || e.Call.SIPCallID == "" {
		return
	}
	switch e.Kind {
	case event.CallStarted, event.CallRefused, event.CallEnded:
	default:
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := clip(e.Call.SIPCallID, MaxCallID)
	t := s.bySIP[id]
	if t == nil {
		return
	}
	if t.Call == "" {
		t.Call, t.From, t.To = e.CallID, e.Call.From, e.Call.To
		s.byCall[e.CallID] = id
	}
	if e.Kind != event.CallStarted {
		t.Live, t.Ended = false, e.Time
		if e.RTP != nil {
			r := *e.RTP
			t.RTP = &r
		}
	}
}

// Get returns the trace of a call by box call id or SIP Call-ID: a copy,
// with a live call's RTP figures as they are now.
func (s *Store) Get(id string) (Trace, bool) {
	s.mu.Lock()
	sipID, ok := s.byCall[id]
	if !ok {
		sipID = clip(id, MaxCallID)
	}
	t := s.bySIP[sipID]
	if t == nil {
		s.mu.Unlock()
		return Trace{}, false
	}
	out := *t
	out.Messages = append([]Message(nil), t.Messages...)
	s.mu.Unlock()
	if out.Live && out.Call != "" && s.opt.LiveRTP != nil {
		if r, ok := s.opt.LiveRTP(out.Call); ok {
			out.RTP = &r
		}
	}
	return out, true
}

// List returns the traces kept, newest first.
func (s *Store) List() []Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Summary, 0, len(s.order))
	for i := len(s.order) - 1; i >= 0; i-- {
		t := s.bySIP[s.order[i]]
		out = append(out, Summary{Call: t.Call, SIPCallID: t.SIPCallID, From: t.From, To: t.To,
			Started: t.Started, Ended: t.Ended, Live: t.Live, Messages: len(t.Messages) + t.Dropped})
	}
	return out
}

// heads are the headers a trace looks at.
type heads struct {
	callID, cseq, length string
}

// scan finds the Call-ID, CSeq and Content-Length of a message's header
// block in one pass (first of each; compact forms too).
func scan(head []byte) heads {
	var h heads
	for line := range bytes.SplitSeq(head, []byte("\r\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		var dst *string
		switch k = bytes.TrimSpace(k); {
		case bytes.EqualFold(k, []byte("call-id")) || bytes.EqualFold(k, []byte("i")):
			dst = &h.callID
		case bytes.EqualFold(k, []byte("cseq")):
			dst = &h.cseq
		case bytes.EqualFold(k, []byte("content-length")) || bytes.EqualFold(k, []byte("l")):
			dst = &h.length
		default:
			continue
		}
		if *dst == "" {
			*dst = string(bytes.TrimSpace(v))
		}
	}
	return h
}

// clip cuts s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// SIPCallIDFile is the SIP Call-ID cut to letters, digits, '.', '-' and
// '_', for a file name.
func (t Trace) SIPCallIDFile() string {
	b := []byte(clip(t.SIPCallID, 64))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}
