package pattern

import (
	"errors"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern string
		yes     []string
		no      []string
	}{
		{"10086", []string{"10086"}, []string{"1008", "100866", "", "_10086"}},
		{"*97#", []string{"*97#"}, []string{"97"}},
		{"+8610086", []string{"+8610086"}, []string{"8610086"}},
		{"_1XX.", []string{"1001", "123456789"}, []string{"100", "2001", "1a01"[:2]}},
		{"_9.", []string{"91", "9138000"}, []string{"9", "81"}},
		{"_1XXXXXXXXXX", []string{"13800138000"}, []string{"1380013800", "138001380001", "23800138000"}},
		{"_10086", []string{"10086"}, []string{"100861"}},
		{"_NXXXXXX", []string{"2345678"}, []string{"1345678", "0345678"}},
		{"_ZX", []string{"10", "99"}, []string{"09", "1"}},
		{"_nxz", []string{"201"}, []string{"200", "101"}},
		{"_[13-5]X", []string{"10", "39", "59"}, []string{"20", "60", "1"}},
		{"_[*#]X", []string{"*1", "#2"}, []string{"11"}},
		{"_X.#", []string{"12#", "1#2#"}, []string{"1#", "123", "#12#"}},
		{"_X!", []string{"1", "12", "1abc"}, []string{"", "a1"}},
		{"_!", []string{"", "anything"}, nil},
		{"_.", []string{"x", "12"}, []string{""}},
		{"_1-800-NXX", []string{"1800234"}, []string{"1-800-234", "1800134"}},
		{"_+86X.", []string{"+86138"}, []string{"86138", "+86"}},
		{"_!!.!X", []string{"a1", "12"}, []string{"1", "ab"}},
	}
	for _, tt := range tests {
		p, err := Compile(tt.pattern)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.pattern, err)
			continue
		}
		if p.String() != tt.pattern {
			t.Errorf("String() = %q, want %q", p.String(), tt.pattern)
		}
		for _, n := range tt.yes {
			if !p.Match(n) || !refMatch(tt.pattern, n) {
				t.Errorf("%q does not match %q (reference %v)", tt.pattern, n, refMatch(tt.pattern, n))
			}
		}
		for _, n := range tt.no {
			if p.Match(n) || refMatch(tt.pattern, n) {
				t.Errorf("%q matches %q (reference %v)", tt.pattern, n, refMatch(tt.pattern, n))
			}
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"", `"" bad pattern: empty`},
		{"_", `"_" bad pattern: nothing to match after _`},
		{"_--", `"_--" bad pattern: nothing to match after _`},
		{"_1Q.", `"_1Q." bad pattern: unknown letter Q`},
		{"1X", `"1X" bad pattern: "X" is not a digit, *, # or + (start with _ for a pattern)`},
		{"_1 2", `"_1 2" bad pattern: unexpected character " "`},
		{"_[12", `"_[12" bad pattern: [ without ]`},
		{"_[]1", `"_[]1" bad pattern: empty []`},
		{"_1]", `"_1]" bad pattern: ] without [`},
		{"_[5-1]", `"_[5-1]" bad pattern: range 5-1 in [] must go up between digits`},
		{"_[*-#]", `"_[*-#]" bad pattern: range *-# in [] must go up between digits`},
		{"_[1-]", `"_[1-]" bad pattern: "-" in [] is not a digit, *, # or + (or a range like 1-5)`},
		{"_[X]", `"_[X]" bad pattern: "X" in [] is not a digit, *, # or + (or a range like 1-5)`},
		{"_" + strings.Repeat("X", MaxLen), "bad pattern: longer than 64 bytes"},
		{"_\xff", `"_\xff" bad pattern: unexpected character "\xff"`},
	}
	for _, tt := range tests {
		_, err := Compile(tt.pattern)
		var se *SyntaxError
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrSyntax) || !errors.As(err, &se) {
			t.Errorf("Compile(%q) = %v, want %q", tt.pattern, err, tt.want)
		}
	}
}

func TestSyntaxErrorOffset(t *testing.T) {
	_, err := Compile("_1Q.")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Offset != 2 || se.Msg != "unknown letter Q" || se.Pattern != "_1Q." {
		t.Errorf("%#v", se)
	}
}

func TestZeroPattern(t *testing.T) {
	var p Pattern
	if !p.Match("") || p.Match("1") || p.String() != "" {
		t.Error("zero Pattern must match only the empty number")
	}
}

func TestMatchAllocs(t *testing.T) {
	p, _ := Compile("_1XX.[0-9]!#")
	if n := testing.AllocsPerRun(100, func() { p.Match("13800138000#") }); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}

func BenchmarkMatch(b *testing.B) {
	p, _ := Compile("_1XXXXXXXXXX")
	b.ReportAllocs()
	for b.Loop() {
		p.Match("13800138000")
	}
}

// refMatch is a slow, independent reference: it walks the pattern text
// recursively (memoised) without compiling it. It assumes p compiles.
func refMatch(p, number string) bool {
	if !strings.HasPrefix(p, "_") {
		return p == number
	}
	body := p[1:]
	memo := map[[2]int]bool{}
	var rec func(pi, ni int) bool
	rec = func(pi, ni int) bool {
		key := [2]int{pi, ni}
		if v, ok := memo[key]; ok {
			return v
		}
		v := refStep(body, number, pi, ni, rec)
		memo[key] = v
		return v
	}
	return rec(0, 0)
}

func refStep(body, number string, pi, ni int, rec func(pi, ni int) bool) bool {
	if pi == len(body) {
		return ni == len(number)
	}
	switch c := body[pi]; c {
	case '-':
		return rec(pi+1, ni)
	case '!', '.':
		from := ni
		if c == '.' {
			from++
		}
		for k := from; k <= len(number); k++ {
			if rec(pi+1, k) {
				return true
			}
		}
		return false
	}
	if ni == len(number) {
		return false
	}
	d := number[ni]
	switch c := body[pi]; c {
	case 'X', 'x':
		return d >= '0' && d <= '9' && rec(pi+1, ni+1)
	case 'Z', 'z':
		return d >= '1' && d <= '9' && rec(pi+1, ni+1)
	case 'N', 'n':
		return d >= '2' && d <= '9' && rec(pi+1, ni+1)
	case '[':
		end := pi + strings.IndexByte(body[pi:], ']')
		return inSet(body[pi+1:end], d) && rec(end+1, ni+1)
	default:
		return d == c && rec(pi+1, ni+1)
	}
}

func inSet(set string, d byte) bool {
	for j := 0; j < len(set); j++ {
		if j+2 < len(set) && set[j+1] == '-' {
			if d >= set[j] && d <= set[j+2] {
				return true
			}
			j += 2
			continue
		}
		if set[j] == d {
			return true
		}
	}
	return false
}
