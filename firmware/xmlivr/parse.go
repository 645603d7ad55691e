package xmlivr

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Limits of an application's answer.
const (
	// MaxBody is the largest <Response> body read, in bytes; a larger one
	// is refused (from its Content-Length, without reading it, when it
	// gives one).
	MaxBody = 64 << 10
	// MaxVerbs is the most verbs in one <Response>, nested Play included.
	MaxVerbs = 100
	// MaxAttrs is the most attributes on one element.
	MaxAttrs = 32
	// MaxFiles is the most files in one Play, PlayMix or Get.
	MaxFiles = 64
)

// Errors of Parse, wrapped with details.
var (
	ErrTooLarge    = errors.New("xmlivr: answer too large")
	ErrDTD         = errors.New("xmlivr: DTD and entity declarations are refused")
	ErrSyntax      = errors.New("xmlivr: malformed XML")
	ErrNotResponse = errors.New("xmlivr: the root element is not <Response>")
	ErrUnknownVerb = errors.New("xmlivr: unknown verb")
	ErrNesting     = errors.New("xmlivr: verbs nested where they may not be")
	ErrTooMany     = errors.New("xmlivr: too many verbs")
	ErrAttr        = errors.New("xmlivr: bad attribute")
)

// The verbs (Verb.Name).
const (
	VerbGet        = "Get"
	VerbPlay       = "Play"
	VerbPlayMix    = "PlayMix"
	VerbRedirect   = "Redirect"
	VerbHangup     = "Hangup"
	VerbCreateConf = "CreateConf"
	VerbJoinConf   = "JoinConf"
	VerbCmdNone    = "CmdNone"
)

// Defaults and bounds of the verbs' attributes.
const (
	DefaultNumDigits  = 12               // Get numdigits
	MaxNumDigits      = 64               // Get numdigits
	DefaultGetTimeout = 20 * time.Second // Get timeout
	MaxGetTimeout     = 600              // Get timeout, seconds
	DefaultFinishKey  = "#"              // Get finishkey
	MaxLoop           = 100              // Play loop (-1: until a key or the Get's timeout)
	DefaultMaxMember  = 3                // CreateConf maxmember
	MinMaxMember      = 3                // CreateConf maxmember
	MaxMaxMember      = 300              // CreateConf maxmember
	MixDigits         = 40               // PlayMix type: files and numbers read digit by digit
)

// Response is a parsed application answer: its verbs in order.
type Response struct {
	Verbs []Verb
}

// Verb is one verb of a Response. Only the fields of its Name are set;
// text and string attributes keep $digits and $confid for the engine to
// substitute.
type Verb struct {
	Name string
	// Action is the URL (relative to the application's) of Get,
	// CreateConf and JoinConf.
	Action string
	// Get: how many digits, the wait for them, the key that ends them
	// (empty: none) and the prompts played meanwhile.
	NumDigits int
	Timeout   time.Duration
	FinishKey string
	Plays     []Verb
	// Play and PlayMix: the ';' list of the text (PlayMix: files and
	// numbers), Loop times (Play: 0 none, -1 until stopped).
	Files []string
	Loop  int
	// Type of a PlayMix (MixDigits).
	Type int
	// Redirect: the URL (its text) and tag.
	URL string
	Tag string
	// CreateConf.
	MaxMember        int
	AutoJoin         bool
	AutoRecord       bool // record the room from its making (Rooms.Record)
	JoinURL, QuitURL string
	DelReportURL     string
	// JoinConf: the room's id.
	ConfID string
}

// ParseReader reads at most MaxBody bytes of r and parses them; a longer
// body is ErrTooLarge.
func ParseReader(r io.Reader) (*Response, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("xmlivr: reading the answer: %w", err)
	}
	return Parse(b)
}

// Parse parses an application's answer: one <Response> element holding
// at most MaxVerbs known verbs, Play nested only inside Get, no DTD or
// entity declarations, at most MaxBody bytes.
func Parse(b []byte) (*Response, error) {
	if len(b) > MaxBody {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxBody)
	}
	if hasDecl(b) {
		return nil, ErrDTD
	}
	p := &parser{d: xml.NewDecoder(bytes.NewReader(b))}
	p.d.Strict = true
	p.d.Entity = nil
	p.d.CharsetReader = charsetReader
	return p.response()
}

// hasDecl reports whether b holds a <!DOCTYPE or <!ENTITY declaration.
func hasDecl(b []byte) bool {
	u := bytes.ToUpper(b)
	return bytes.Contains(u, []byte("<!DOCTYPE")) || bytes.Contains(u, []byte("<!ENTITY"))
}

// charsetReader accepts the encodings the vendor's bodies declare: UTF-8
// (and its ASCII subset) only.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	}
	return nil, fmt.Errorf("encoding %q (only UTF-8)", label)
}

type parser struct {
	d     *xml.Decoder
	verbs int
}

// token returns the next token that matters: elements, text, end tags.
func (p *parser) token() (xml.Token, error) {
	for {
		t, err := p.d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		switch t := t.(type) {
		case xml.Directive:
			return nil, ErrDTD
		case xml.ProcInst, xml.Comment:
			continue
		case xml.CharData:
			return t.Copy(), nil
		default:
			return t, nil
		}
	}
}

func (p *parser) response() (*Response, error) {
	var root *xml.StartElement
	for root == nil {
		t, err := p.token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: empty answer", ErrSyntax)
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			root = &t
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text before <Response>", ErrSyntax)
			}
		}
	}
	if root.Name.Local != "Response" {
		return nil, fmt.Errorf("%w: <%s>", ErrNotResponse, root.Name.Local)
	}
	res := &Response{}
	for {
		t, err := p.token()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: <Response> is not closed", ErrSyntax)
		}
		if err != nil {
			return nil, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			v, err := p.verb(t, false)
			if err != nil {
				return nil, err
			}
			res.Verbs = append(res.Verbs, v)
		case xml.EndElement:
			if err := p.end(); err != nil {
				return nil, err
			}
			return res, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, fmt.Errorf("%w: text %q inside <Response>", ErrSyntax, short(string(t)))
			}
		}
	}
}

// end checks that nothing but blanks follows </Response>.
func (p *parser) end() error {
	for {
		t, err := p.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if cd, ok := t.(xml.CharData); !ok || len(bytes.TrimSpace(cd)) > 0 {
			return fmt.Errorf("%w: content after </Response>", ErrSyntax)
		}
	}
}

// verb reads one verb element whose start is st; inGet says it is nested
// in a Get.
func (p *parser) verb(st xml.StartElement, inGet bool) (Verb, error) {
	p.verbs++
	if p.verbs > MaxVerbs {
		return Verb{}, fmt.Errorf("%w: more than %d", ErrTooMany, MaxVerbs)
	}
	name := st.Name.Local
	if !known(name) {
		return Verb{}, fmt.Errorf("%w: <%s>", ErrUnknownVerb, short(name))
	}
	if inGet && name != VerbPlay {
		return Verb{}, fmt.Errorf("%w: <%s> inside <Get> (only <Play>)", ErrNesting, name)
	}
	if len(st.Attr) > MaxAttrs {
		return Verb{}, fmt.Errorf("%w: <%s> has %d attributes (at most %d)", ErrAttr, name, len(st.Attr), MaxAttrs)
	}
	attrs := make(map[string]string, len(st.Attr))
	for _, a := range st.Attr {
		attrs[strings.ToLower(a.Name.Local)] = strings.TrimSpace(a.Value)
	}
	var text strings.Builder
	var plays []Verb
	for {
		t, err := p.token()
		if err == io.EOF {
			return Verb{}, fmt.Errorf("%w: <%s> is not closed", ErrSyntax, name)
		}
		if err != nil {
			return Verb{}, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			if name != VerbGet {
				return Verb{}, fmt.Errorf("%w: <%s> inside <%s>", ErrNesting, short(t.Name.Local), name)
			}
			c, err := p.verb(t, true)
			if err != nil {
				return Verb{}, err
			}
			plays = append(plays, c)
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			return build(name, attrs, strings.TrimSpace(text.String()), plays)
		}
	}
}

func known(name string) bool {
	switch name {
	case VerbGet, VerbPlay, VerbPlayMix, VerbRedirect, VerbHangup, VerbCreateConf, VerbJoinConf, VerbCmdNone:
		return true
	}
	return false
}

// short bounds a string quoted in an error.
func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// build checks a verb's attributes and text and fills in its fields.
func build(name string, attrs map[string]string, text string, plays []Verb) (Verb, error) {
	v := Verb{Name: name}
	a := attrReader{verb: name, attrs: attrs}
	switch name {
	case VerbGet:
		v.Action = attrs["action"]
		v.NumDigits = a.int("numdigits", DefaultNumDigits, 1, MaxNumDigits)
		v.Timeout = time.Duration(a.int("timeout", int(DefaultGetTimeout/time.Second), 1, MaxGetTimeout)) * time.Second
		v.FinishKey = DefaultFinishKey
		if k, ok := attrs["finishkey"]; ok {
			v.FinishKey = k
			a.keys("finishkey", k)
		}
		v.Plays = plays
		if text != "" {
			a.fail("text %q inside <Get> (nest <Play> instead)", short(text))
		}
		files := 0
		for _, pl := range plays {
			files += len(pl.Files)
		}
		if files > MaxFiles {
			a.fail("%d files in <Get> (at most %d)", files, MaxFiles)
		}
	case VerbPlay:
		v.Files = a.files(text)
		v.Loop = a.int("loop", 1, -1, MaxLoop)
		v.FinishKey = attrs["finishkey"]
		a.keys("finishkey", v.FinishKey)
	case VerbPlayMix:
		v.Files = a.files(text)
		v.Type = a.int("type", MixDigits, 0, 1000)
		if v.Type != MixDigits {
			a.fail("type %d is not supported (only %d: files and numbers read digit by digit)", v.Type, MixDigits)
		}
	case VerbRedirect:
		v.URL, v.Tag = text, attrs["tag"]
		if v.URL == "" {
			a.fail("no URL")
		}
	case VerbCreateConf:
		v.Action = attrs["action"]
		v.MaxMember = a.int("maxmember", DefaultMaxMember, MinMaxMember, MaxMaxMember)
		v.AutoJoin = a.bool("autojoin")
		v.AutoRecord = a.bool("autorecord")
		v.JoinURL, v.QuitURL, v.DelReportURL = attrs["joinurl"], attrs["quiturl"], attrs["delreporturl"]
	case VerbJoinConf:
		v.Action, v.ConfID, v.QuitURL = attrs["action"], attrs["confid"], attrs["quiturl"]
		if v.ConfID == "" {
			a.fail("no confid")
		}
	}
	if a.err != nil {
		return Verb{}, a.err
	}
	if name != VerbGet && len(plays) > 0 {
		return Verb{}, fmt.Errorf("%w: verbs inside <%s>", ErrNesting, name)
	}
	return v, nil
}

// attrReader reads a verb's attributes, keeping the first problem.
type attrReader struct {
	verb  string
	attrs map[string]string
	err   error
}

func (a *attrReader) fail(format string, args ...any) {
	if a.err == nil {
		a.err = fmt.Errorf("%w: <%s>: %s", ErrAttr, a.verb, fmt.Sprintf(format, args...))
	}
}

// int reads an integer attribute between lo and hi, def when absent.
func (a *attrReader) int(name string, def, lo, hi int) int {
	s, ok := a.attrs[name]
	if !ok || s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		a.fail("%s=%q must be a whole number from %d to %d", name, short(s), lo, hi)
		return def
	}
	return n
}

// bool reads a true/false attribute (false when absent).
func (a *attrReader) bool(name string) bool {
	switch strings.ToLower(a.attrs[name]) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	a.fail("%s=%q must be true or false", name, short(a.attrs[name]))
	return false
}

// keys checks that s holds only DTMF keys.
func (a *attrReader) keys(name, s string) {
	if strings.Trim(s, "0123456789*#") != "" {
		a.fail("%s=%q must hold only the keys 0-9, * and #", name, short(s))
	}
}

// files splits a ';' list, dropping empty entries.
func (a *attrReader) files(text string) []string {
	var out []string
	for f := range strings.SplitSeq(text, ";") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	if len(out) > MaxFiles {
		a.fail("%d files (at most %d)", len(out), MaxFiles)
	}
	return out
}
