package prompt

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{
		"EXTEN":    "13800138000",
		"CALLERID": "+86 10 1234",
		"EVIL":     "../../etc/passwd",
		"NUL":      "a\x00b",
	}
	lookup := func(k string) string { return vars[k] }
	tests := []struct{ in, want string }{
		{"notice", "notice"},
		{"/tmp/media/networkdisk1/${EXTEN}", "/tmp/media/networkdisk1/13800138000"},
		{"${EXTEN}-${CALLERID}.wav", "13800138000-+86 10 1234.wav"},
		{"a${UNKNOWN}b", "ab"},
		{"${}", ""},
		{"$EXTEN", "$EXTEN"},
		{"${EXTEN", "${EXTEN"},
		{"x${EXTEN}${EXTEN}", "x1380013800013800138000"},
		{"${EXTEN}}", "13800138000}"},
		{"${EVIL}", ".._.._etc_passwd"}, // one harmless element
		{"${NUL}", "a_b"},
		{"$${EXTEN}", "$13800138000"},
	}
	for _, tt := range tests {
		if got := Expand(tt.in, lookup); got != tt.want {
			t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Expand("a${X}b", nil); got != "ab" {
		t.Errorf("nil lookup: %q", got)
	}
}

func TestCheckName(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"notice", "notice", false},
		{"digits/5", "digits/5", false},
		{"./digits//5", "digits/5", false},
		{"/tmp/media/networkdisk1/notice", "/tmp/media/networkdisk1/notice", false},
		{"", "", true},
		{"..", "", true},
		{"../x", "", true},
		{"a/../../x", "", true},
		{"a/..", "", true},
		{"/tmp/media/networkdisk1/../../../etc/passwd", "", true},
		{"a\x00b", "", true},
		{"a\nb", "", true},
		{`digits\5`, "", true},
		{".", "", true},
		{"/", "", true},
		{strings.Repeat("a", 2000), "", true},
	}
	for _, tt := range tests {
		got, err := checkName(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("checkName(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, ErrBadName) {
			t.Errorf("checkName(%q): %v is not ErrBadName", tt.in, err)
		}
	}
}

func TestCandidates(t *testing.T) {
	if got := candidates("notice.WAV"); !slices.Equal(got, []string{"notice.WAV"}) {
		t.Errorf("with extension: %q", got)
	}
	want := []string{"a.b.wav", "a.b.ulaw", "a.b.alaw", "a.b.pcmu", "a.b.pcma", "a.b.sln", "a.b.sln16", "a.b.mp3"}
	if got := candidates("a.b"); !slices.Equal(got, want) {
		t.Errorf("unknown extension: %q", got)
	}
	if got := Extensions(); got[0] != ".wav" || len(got) != 8 {
		t.Errorf("Extensions() = %q", got)
	}
}
