package ivr

import (
	"strings"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

func TestMatch(t *testing.T) {
	act := config.Action{Type: config.ActHangup}
	menu := map[string]config.Action{"1": act, "2": act, "*": act}
	multi := map[string]config.Action{"1": act, "12": act, "123": act}
	code := &config.Collect{}
	tests := []struct {
		name     string
		keys     map[string]config.Action
		collect  *config.Collect
		pressed  string
		timedOut bool
		want     verdict
		text     string
	}{
		{"single key", menu, nil, "1", false, keyMatch, "1"},
		{"star key", menu, nil, "*", false, keyMatch, "*"},
		{"unknown key", menu, nil, "5", false, noMatch, ""},
		{"no keys, no collect", nil, nil, "1", false, noMatch, ""},
		{"nothing pressed", menu, code, "", false, noMatch, ""},
		{"longer key entry waits", multi, nil, "1", false, needMore, ""},
		{"longer key entry: timeout takes the exact one", multi, nil, "12", true, keyMatch, "12"},
		{"longest key entry fires at once", multi, nil, "123", false, keyMatch, "123"},
		{"prefix of a key entry only", map[string]config.Action{"12": act}, nil, "1", true, noMatch, ""},
		{"digit starts a string", nil, code, "5", false, needMore, ""},
		{"string with terminator", nil, code, "56789#", false, stringMatch, "56789"},
		{"star inside a string", nil, code, "5*6#", false, stringMatch, "5*6"},
		{"star cannot start a string", nil, code, "*", false, noMatch, ""},
		{"terminator first", nil, code, "#", false, noMatch, ""},
		{"digit timeout ends a string", nil, code, "567", true, stringMatch, "567"},
		{"digit timeout ends the seed's code", nil, code, "4321", true, stringMatch, "4321"},
		{"digit timeout after a star", nil, code, "5*", true, stringMatch, "5*"},
		{"digit timeout below MinLen", nil, &config.Collect{MinLen: 4}, "123", true, noMatch, ""},
		{"digit timeout at MinLen", nil, &config.Collect{MinLen: 4}, "1234", true, stringMatch, "1234"},
		{"digit timeout after a non-key byte", nil, code, "5A", true, noMatch, ""},
		{"key then digits, timeout: the string", menu, code, "12", true, stringMatch, "12"},
		{"non-key byte", nil, code, "5A", false, noMatch, ""},
		{"keys after the terminator", nil, code, "5#6", false, noMatch, ""},
		{"MaxLen ends the string", nil, &config.Collect{MaxLen: 3}, "123", false, stringMatch, "123"},
		{"past MaxLen", nil, &config.Collect{MaxLen: 3}, "1234", false, noMatch, ""},
		{"terminator at MaxLen", nil, &config.Collect{MaxLen: 3}, "12#", false, stringMatch, "12"},
		{"shorter than MinLen", nil, &config.Collect{MinLen: 4}, "123#", false, noMatch, ""},
		{"exactly MinLen", nil, &config.Collect{MinLen: 4}, "1234#", false, stringMatch, "1234"},
		{"MaxLen below MinLen is raised", nil, &config.Collect{MinLen: 4, MaxLen: 2}, "1234", false, stringMatch, "1234"},
		{"custom terminator", nil, &config.Collect{Terminator: "*"}, "12*", false, stringMatch, "12"},
		{"custom terminator: # is invalid", nil, &config.Collect{Terminator: "*"}, "12#", false, noMatch, ""},
		{"key that can start a string waits", menu, code, "1", false, needMore, ""},
		{"key that can start a string: timeout takes the key", menu, code, "1", true, keyMatch, "1"},
		{"key then digits make a string", menu, code, "12#", false, stringMatch, "12"},
		{"key and MaxLen 1: the key wins", menu, &config.Collect{MaxLen: 1}, "1", false, keyMatch, "1"},
		{"# key with a string IVR", map[string]config.Action{"#": act}, &config.Collect{Terminator: "*"}, "#", false, keyMatch, "#"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMatcher(config.IVR{Keys: tt.keys, Collect: tt.collect})
			v, text := m.match(tt.pressed, tt.timedOut)
			if v != tt.want || text != tt.text {
				t.Errorf("match(%q, %v) = %v %q, want %v %q", tt.pressed, tt.timedOut, v, text, tt.want, tt.text)
			}
		})
	}
}

// FuzzMatch feeds keys one at a time, as the engine does, and checks that the
// outcome is one the IVR allows.
func FuzzMatch(f *testing.F) {
	f.Add("56789#", "1", true, 1, 32, byte('#'))
	f.Add("1", "1,12,123", false, 0, 0, byte(0))
	f.Add("#", "", true, 4, 2, byte('*'))
	f.Add("1*2*3", "*,#", true, 0, 3, byte('5'))
	f.Fuzz(func(t *testing.T, pressed, keyList string, collect bool, minLen, maxLen int, term byte) {
		ivr := config.IVR{Keys: map[string]config.Action{}}
		for k := range strings.SplitSeq(keyList, ",") {
			if k != "" {
				ivr.Keys[k] = config.Action{Type: config.ActHangup}
			}
		}
		if collect {
			ivr.Collect = &config.Collect{MinLen: minLen % 40, MaxLen: maxLen % 40}
			if term != 0 {
				ivr.Collect.Terminator = string([]byte{term})
			}
		}
		m := newMatcher(ivr)
		if _, text := m.match(pressed, false); text != "" && pressed == "" {
			t.Fatalf("empty input matched %q", text)
		}
		if v, _ := m.match(pressed, true); v == needMore {
			t.Fatalf("match(%q, timedOut) asks for more", pressed)
		}
		// Feed the keys one at a time, stopping at the first decision.
		v, text, i := needMore, "", 0
		for i < len(pressed) && v == needMore {
			i++
			v, text = m.match(pressed[:i], false)
		}
		if v == needMore && i > 0 {
			v, text = m.match(pressed[:i], true)
		}
		checkVerdict(t, m, ivr, pressed[:i], v, text)
	})
}

func checkVerdict(t *testing.T, m matcher, ivr config.IVR, pressed string, v verdict, text string) {
	t.Helper()
	switch v {
	case keyMatch:
		if _, ok := ivr.Keys[text]; !ok || text != pressed {
			t.Fatalf("%q: key %q is not an entry", pressed, text)
		}
	case stringMatch:
		if ivr.Collect == nil {
			t.Fatalf("%q: string %q without Collect", pressed, text)
		}
		if len(text) < m.minLen || len(text) > m.maxLen {
			t.Fatalf("%q: string %q outside %d..%d", pressed, text, m.minLen, m.maxLen)
		}
		if text[0] < '0' || text[0] > '9' {
			t.Fatalf("%q: string %q does not start with a digit", pressed, text)
		}
		for i := 0; i < len(text); i++ {
			if b := text[i]; b == m.term || (b < '0' || b > '9') && b != '*' {
				t.Fatalf("%q: string %q holds %q", pressed, text, b)
			}
		}
		if pressed != text && pressed != text+string([]byte{m.term}) {
			t.Fatalf("%q: string %q is not what was pressed", pressed, text)
		}
	case noMatch:
		if text != "" {
			t.Fatalf("%q: no match with text %q", pressed, text)
		}
	default:
		if pressed != "" {
			t.Fatalf("%q: undecided after timeout", pressed)
		}
	}
}
