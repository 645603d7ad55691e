package files

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	ok := []struct {
		in   string
		want Path
		str  string
	}{
		{":GS_PUB/x/y/14.mp3", Path{GSPub, "x/y/14.mp3"}, ":GS_PUB/x/y/14.mp3"},
		{":GLOBALSHARE_PUBLIC/x/14.mp3", Path{GSPub, "x/14.mp3"}, ":GS_PUB/x/14.mp3"},
		{":globalshare_domain_data/a.wav", Path{GSDom, "a.wav"}, ":GS_DOM/a.wav"},
		{":TEMP/14.mp3", Path{Temp, "14.mp3"}, ":TEMP/14.mp3"},
		{":temp/ivr_records/ivr_000006_1602234901218.wav", Path{Temp, "ivr_records/ivr_000006_1602234901218.wav"}, ""},
		{"x/y.wav", Path{SynDom, "x/y.wav"}, ":SYN_DOM/x/y.wav"},
		{":SYNC_COMMON/a", Path{SynMedia, "a"}, ":SYN_MEDIA/a"},
		{":SYNC_DOMAIN_DATA/a", Path{SynDom, "a"}, ":SYN_DOM/a"},
		{":SYNC_DOMAIN_COMMON/a", Path{SynDomMedia, "a"}, ":SYN_DOM_MEDIA/a"},
		{":SITESHARE_PUBLIC/a", Path{SSPub, "a"}, ":SS_PUB/a"},
		{":SITESHARE_DOMAIN_DATA/a", Path{SSDom, "a"}, ":SS_DOM/a"},
		{":GS_PUB/x//./y/", Path{GSPub, "x/y"}, ":GS_PUB/x/y"},
		{":GS_PUB/x/y/", Path{GSPub, "x/y"}, ":GS_PUB/x/y"},
		{":GS_PUB", Path{GSPub, ""}, ":GS_PUB"},
		{":GS_PUB/", Path{GSPub, ""}, ":GS_PUB"},
		{"", Path{SynDom, ""}, ":SYN_DOM"},
		{"привет мир.wav", Path{SynDom, "привет мир.wav"}, ":SYN_DOM/привет мир.wav"},
		{":GS_PUB/a..b/..c", Path{GSPub, "a..b/..c"}, ":GS_PUB/a..b/..c"},
	}
	for _, c := range ok {
		got, err := Parse(c.in)
		if err != nil || got != c.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if str := got.String(); c.str != "" && str != c.str {
			t.Errorf("Parse(%q).String() = %q; want %q", c.in, str, c.str)
		}
	}
	bad := []string{
		":NOPE/a.wav", "::GS_PUB/a", ":/a", ":GS_PUB/../a", "../a", "a/../../b", ":GS_PUB//etc/passwd",
		"/etc/passwd", ":GS_PUB/a\\b", "a\x00b", "a\nb", "a\x7fb", "a\u0085b", "a\xffb",
		strings.Repeat("a", MaxPathLen+1), strings.Repeat("ab/", 170), // 510 bytes, but 519 with its prefix
		":GS_PUB/" + strings.Repeat("b", 256),
	}
	for _, in := range bad {
		if p, err := Parse(in); !errors.Is(err, ErrBadPath) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrBadPath", short(in), p, err)
		}
	}
}

func TestParseFile(t *testing.T) {
	if p, err := ParseFile(":GS_PUB/a/b.wav"); err != nil || p != (Path{GSPub, "a/b.wav"}) {
		t.Errorf("ParseFile = %+v, %v", p, err)
	}
	for _, in := range []string{"", ":GS_PUB", ":GS_PUB/", ":TEMP/", ":GS_PUB/a/", ":NOPE/a"} {
		if _, err := ParseFile(in); !errors.Is(err, ErrBadPath) {
			t.Errorf("ParseFile(%q) = %v; want ErrBadPath", in, err)
		}
	}
}

func TestParseErrorQuotesShort(t *testing.T) {
	_, err := Parse(":NOPE/" + strings.Repeat("x", 400))
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("error %q: want a short one", err)
	}
}

func TestTable(t *testing.T) {
	tab := Table()
	if len(tab) != 7 {
		t.Fatalf("Table has %d storages", len(tab))
	}
	for _, m := range tab {
		for _, name := range append([]string{m.Storage}, m.Aliases...) {
			p, err := Parse(":" + name + "/a.wav")
			if err != nil || p.Storage != m.Storage {
				t.Errorf("Parse :%s = %+v, %v", name, p, err)
			}
		}
		if f, ok := Folder(m.Storage); !ok || f != m.Folder || !strings.HasPrefix(f, "ivrapi/") {
			t.Errorf("Folder(%s) = %q, %v", m.Storage, f, ok)
		}
	}
	tab[0].Aliases[0] = "CHANGED"
	if Table()[0].Aliases[0] == "CHANGED" {
		t.Error("Table shares its slices")
	}
	if _, ok := Folder(Temp); ok {
		t.Error("TEMP has a static folder")
	}
}
