package xmlivr

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// seedBodies returns the seed guide's XML answers by file name.
func seedBodies(t testing.TB) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/seed/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("seed bodies: %v (%d files)", err, len(files))
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".xml")] = b
	}
	return out
}

func TestParseSeed(t *testing.T) {
	bodies := seedBodies(t)
	want := map[string][]Verb{
		"menu": {
			{Name: VerbGet, Action: "firstget", NumDigits: 1, Timeout: 30 * time.Second, FinishKey: "#",
				Plays: []Verb{{Name: VerbPlay, Files: []string{"confmenu.wav"}, Loop: 1}}},
			{Name: VerbPlay, Files: []string{"timeout.wav"}, Loop: 1},
			{Name: VerbRedirect, URL: "gettimeout", Tag: "1"},
		},
		"menu-bye": {
			{Name: VerbGet, Action: "firstget", NumDigits: 1, Timeout: 30 * time.Second, FinishKey: "#",
				Plays: []Verb{{Name: VerbPlay, Files: []string{"confmenu.wav"}, Loop: 1}}},
			{Name: VerbPlay, Files: []string{"timeoutbye.wav"}, Loop: 1},
			{Name: VerbHangup},
		},
		"create": {{Name: VerbCreateConf, Action: "createconfok", MaxMember: 10}},
		"join":   {{Name: VerbJoinConf, Action: "joinconfok", ConfID: "$digits"}, {Name: VerbRedirect, URL: "joinconffail"}},
		"playmix": {
			{Name: VerbPlayMix, Type: 40, Files: []string{"createconf.wav", "$confid"}},
			{Name: VerbRedirect, URL: "autojoinconf"},
		},
		"autojoin": {{Name: VerbJoinConf, Action: "joinconfok", ConfID: "$confid"}, {Name: VerbRedirect, URL: "joinconffail"}},
		"cmdnone":  {{Name: VerbCmdNone}},
	}
	for name, b := range bodies {
		res, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if w, ok := want[name]; ok && !reflect.DeepEqual(res.Verbs, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, res.Verbs, w)
		}
	}
}

func TestParseAttributes(t *testing.T) {
	res, err := Parse([]byte(`<Response>
		<Get numdigits="8" timeout="5" finishkey="*"><Play loop="-1">a.wav; b.wav ;</Play><Play loop="0">c</Play></Get>
		<CreateConf maxmember="300" autojoin="true" joinurl="j" quiturl="q" delreporturl="d" voicemod="1"/>
		<Play loop="3" finishkey="#">x</Play></Response>`))
	if err != nil {
		t.Fatal(err)
	}
	g := res.Verbs[0]
	if g.NumDigits != 8 || g.Timeout != 5*time.Second || g.FinishKey != "*" || g.Action != "" ||
		!reflect.DeepEqual(g.Plays[0].Files, []string{"a.wav", "b.wav"}) || g.Plays[0].Loop != -1 || g.Plays[1].Loop != 0 {
		t.Errorf("get: %+v", g)
	}
	c := res.Verbs[1]
	if c.MaxMember != 300 || !c.AutoJoin || c.JoinURL != "j" || c.QuitURL != "q" || c.DelReportURL != "d" {
		t.Errorf("createconf: %+v", c)
	}
	if p := res.Verbs[2]; p.Loop != 3 || p.FinishKey != "#" {
		t.Errorf("play: %+v", p)
	}
	// Defaults: numdigits 12, timeout 20 s, finish key #, maxmember 3.
	res, err = Parse([]byte(`<Response><Get/><CreateConf/></Response>`))
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Verbs[0]; g.NumDigits != 12 || g.Timeout != 20*time.Second || g.FinishKey != "#" {
		t.Errorf("get defaults: %+v", g)
	}
	if c := res.Verbs[1]; c.MaxMember != 3 || c.AutoJoin {
		t.Errorf("createconf defaults: %+v", c)
	}
	// An empty finishkey means none.
	if res, err := Parse([]byte(`<Response><Get finishkey=""/></Response>`)); err != nil || res.Verbs[0].FinishKey != "" {
		t.Errorf("empty finishkey: %v %+v", err, res)
	}
}

func TestParseErrors(t *testing.T) {
	many := "<Response>" + strings.Repeat("<Play>a</Play>", MaxVerbs+1) + "</Response>"
	big := append([]byte("<Response><Play>"), bytes.Repeat([]byte("a"), 10<<20)...)
	big = append(big, "</Play></Response>"...)
	tests := []struct {
		name, body string
		want       error
	}{
		{"empty", "", ErrSyntax},
		{"blank", "  \n", ErrSyntax},
		{"not xml", "hello", ErrSyntax},
		{"html", "<html><body>502 Bad Gateway</body></html>", ErrNotResponse},
		{"unclosed", "<Response><Play>a</Play>", ErrSyntax},
		{"mismatched", "<Response><Play>a</Get></Response>", ErrSyntax},
		{"unknown verb", "<Response><Dial>123</Dial></Response>", ErrUnknownVerb},
		{"tts", "<Response><PlayTTS>hi</PlayTTS></Response>", ErrUnknownVerb},
		{"lower-case verb", "<Response><play>a</play></Response>", ErrUnknownVerb},
		{"get in get", "<Response><Get><Get/></Get></Response>", ErrNesting},
		{"redirect in get", "<Response><Get><Redirect>x</Redirect></Get></Response>", ErrNesting},
		{"play in play", "<Response><Play><Play>a</Play></Play></Response>", ErrNesting},
		{"play in joinconf", "<Response><JoinConf confid='1'><Play>a</Play></JoinConf></Response>", ErrNesting},
		{"response in response", "<Response><Response/></Response>", ErrUnknownVerb},
		{"too many", many, ErrTooMany},
		{"text in response", "<Response>hello<Hangup/></Response>", ErrSyntax},
		{"text in get", "<Response><Get>a.wav</Get></Response>", ErrAttr},
		{"after response", "<Response/><Response/>", ErrSyntax},
		{"numdigits zero", "<Response><Get numdigits='0'/></Response>", ErrAttr},
		{"numdigits word", "<Response><Get numdigits='one'/></Response>", ErrAttr},
		{"timeout big", "<Response><Get timeout='100000'/></Response>", ErrAttr},
		{"finishkey letter", "<Response><Get finishkey='x'/></Response>", ErrAttr},
		{"loop low", "<Response><Play loop='-2'>a</Play></Response>", ErrAttr},
		{"maxmember low", "<Response><CreateConf maxmember='2'/></Response>", ErrAttr},
		{"maxmember high", "<Response><CreateConf maxmember='301'/></Response>", ErrAttr},
		{"autojoin", "<Response><CreateConf autojoin='yes'/></Response>", ErrAttr},
		{"playmix type", "<Response><PlayMix type='1'>a</PlayMix></Response>", ErrAttr},
		{"redirect empty", "<Response><Redirect/></Response>", ErrAttr},
		{"joinconf no id", "<Response><JoinConf/></Response>", ErrAttr},
		{"doctype", `<?xml version="1.0"?><!DOCTYPE Response [<!ENTITY x "y">]><Response><Play>&x;</Play></Response>`, ErrDTD},
		{"billion laughs", `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><Response><Play>&lol2;</Play></Response>`, ErrDTD},
		{"external entity", `<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Response><Play>&xxe;</Play></Response>`, ErrDTD},
		{"lower-case doctype", `<!doctype Response><Response/>`, ErrDTD},
		{"undeclared entity", `<Response><Play>&xxe;</Play></Response>`, ErrSyntax},
		{"encoding", `<?xml version="1.0" encoding="GB2312"?><Response/>`, ErrSyntax},
		{"10 MB", string(big), ErrTooLarge},
	}
	for _, tt := range tests {
		res, err := Parse([]byte(tt.body))
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v (%+v), want %v", tt.name, err, res, tt.want)
		}
	}
}

func TestParseReaderStopsAtLimit(t *testing.T) {
	r := &countingReader{}
	if _, err := ParseReader(r); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err %v", err)
	}
	if r.n > MaxBody+64<<10 {
		t.Errorf("read %d bytes of an endless body", r.n)
	}
}

// countingReader is an endless body of 'a's that counts what was read.
type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += len(p)
	return len(p), nil
}

func TestParseStandardEntities(t *testing.T) {
	res, err := Parse([]byte(`<Response><Play>a&amp;b.wav;&#x63;.wav</Play></Response>`))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Verbs[0].Files; !reflect.DeepEqual(got, []string{"a&b.wav", "c.wav"}) {
		t.Errorf("files %q", got)
	}
}
