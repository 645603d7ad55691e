package pattern

import (
	"errors"
	"fmt"
)

// MaxLen is the longest pattern Compile accepts, in bytes.
const MaxLen = 64

// maxElems bounds the compiled elements: "." becomes two.
const maxElems = 2 * MaxLen

// ErrSyntax is wrapped by every error Compile returns.
var ErrSyntax = errors.New("bad pattern")

// SyntaxError says why Compile refused a pattern.
type SyntaxError struct {
	// Pattern is the pattern given to Compile.
	Pattern string
	// Offset is the byte offset in Pattern where the problem is.
	Offset int
	// Msg says what is wrong, e.g. "unknown letter Q".
	Msg string
}

// Error returns `"_1Q." bad pattern: unknown letter Q`.
func (e *SyntaxError) Error() string { return fmt.Sprintf("%q bad pattern: %s", e.Pattern, e.Msg) }

// Unwrap returns ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Pattern is a compiled extension pattern. The zero Pattern matches only
// the empty number. Patterns are immutable and safe for concurrent use.
type Pattern struct {
	src   string
	lit   bool   // src has no "_": compare exactly
	elems []elem // the "_" pattern, in order
}

// elem matches one byte of set, or with loop zero or more of them.
type elem struct {
	set  [4]uint64 // bit b: byte b matches
	loop bool
}

func (e *elem) add(lo, hi byte) {
	for c := int(lo); c <= int(hi); c++ {
		e.set[c>>6] |= 1 << (c & 63)
	}
}

func (e *elem) has(c byte) bool { return e.set[c>>6]&(1<<(c&63)) != 0 }

func anyByte(loop bool) elem {
	e := elem{loop: loop}
	e.add(0, 255)
	return e
}

// String returns the pattern as given to Compile.
func (p Pattern) String() string { return p.src }

// Compile parses p: a literal number of digits, "*", "#" and "+", or "_"
// followed by the pattern syntax of the package comment. Errors are
// *SyntaxError, wrapping ErrSyntax.
func Compile(p string) (Pattern, error) {
	bad := func(off int, format string, args ...any) (Pattern, error) {
		return Pattern{}, &SyntaxError{Pattern: p, Offset: off, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case p == "":
		return bad(0, "empty")
	case len(p) > MaxLen:
		return bad(MaxLen, "longer than %d bytes", MaxLen)
	case p[0] != '_':
		for i := 0; i < len(p); i++ {
			if !dialChar(p[i]) {
				return bad(i, "%q is not a digit, *, # or + (start with _ for a pattern)", p[i:i+1])
			}
		}
		return Pattern{src: p, lit: true}, nil
	}
	out := Pattern{src: p}
	for i := 1; i < len(p); i++ {
		c := p[i]
		var e elem
		switch {
		case dialChar(c):
			e.add(c, c)
		case c == 'X' || c == 'x':
			e.add('0', '9')
		case c == 'Z' || c == 'z':
			e.add('1', '9')
		case c == 'N' || c == 'n':
			e.add('2', '9')
		case c == '.':
			out.elems = append(out.elems, anyByte(false))
			e = anyByte(true)
		case c == '!':
			e = anyByte(true)
		case c == '-':
			continue
		case c == '[':
			end, msg := class(p, i, &e)
			if msg != "" {
				return bad(end, "%s", msg)
			}
			i = end
		case c == ']':
			return bad(i, "] without [")
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			return bad(i, "unknown letter %c", c)
		default:
			return bad(i, "unexpected character %q", p[i:i+1])
		}
		out.elems = append(out.elems, e)
	}
	if len(out.elems) == 0 {
		return bad(1, "nothing to match after _")
	}
	return out, nil
}

// class parses the set starting at p[open] == '[' into e. It returns the
// offset of the closing ']', or the offset of a problem and what it is.
func class(p string, open int, e *elem) (int, string) {
	i := open + 1
	for ; i < len(p) && p[i] != ']'; i++ {
		c := p[i]
		if !dialChar(c) {
			return i, fmt.Sprintf("%q in [] is not a digit, *, # or + (or a range like 1-5)", p[i:i+1])
		}
		if i+2 < len(p) && p[i+1] == '-' && p[i+2] != ']' {
			hi := p[i+2]
			if !isDigit(c) || !isDigit(hi) || hi < c {
				return i, fmt.Sprintf("range %c-%c in [] must go up between digits", c, hi)
			}
			e.add(c, hi)
			i += 2
			continue
		}
		e.add(c, c)
	}
	switch {
	case i == len(p):
		return open, "[ without ]"
	case i == open+1:
		return open, "empty []"
	}
	return i, ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func dialChar(c byte) bool { return isDigit(c) || c == '*' || c == '#' || c == '+' }

// Match reports whether number matches the whole pattern. A literal pattern
// matches exactly its own text. Match takes time linear in len(number) and
// allocates nothing.
func (p Pattern) Match(number string) bool {
	if p.lit {
		return number == p.src
	}
	n := len(p.elems)
	var cur, next [maxElems + 1]bool
	cur[0] = true
	p.closure(&cur)
	for i := 0; i < len(number); i++ {
		c := number[i]
		next = [maxElems + 1]bool{}
		alive := false
		for s := 0; s < n; s++ {
			if !cur[s] || !p.elems[s].has(c) {
				continue
			}
			alive = true
			if p.elems[s].loop {
				next[s] = true
			} else {
				next[s+1] = true
			}
		}
		if !alive {
			return false
		}
		p.closure(&next)
		cur = next
	}
	return cur[n]
}

// closure adds the states reached by skipping zero-or-more elements.
func (p Pattern) closure(st *[maxElems + 1]bool) {
	for s, e := range p.elems {
		if st[s] && e.loop {
			st[s+1] = true
		}
	}
}
