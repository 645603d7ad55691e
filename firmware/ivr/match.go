package ivr

import (
	"strings"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// verdict is what the keys pressed so far mean to an IVR.
type verdict int

const (
	needMore    verdict = iota // a longer entry could still match: read another key
	keyMatch                   // a Keys entry matched; the text is the entry
	stringMatch                // a digit string was collected; the text is the digits
	noMatch                    // nothing matches: the invalid action
)

func (v verdict) String() string {
	switch v {
	case needMore:
		return "more"
	case keyMatch:
		return "key"
	case stringMatch:
		return "string"
	}
	return "invalid"
}

// matcher matches keys against one IVR's Keys and Collect, like Asterisk
// matches dialled digits against the extensions of a context: an exact entry
// fires at once unless a longer one (another Keys entry, or the digit string
// `_X.#`) could still match; then the digit timeout decides: an exact entry
// wins on timeout, else the digits typed so far are the string (Asterisk's
// matcher ignores what follows the `.` of `_X.#`, so `4321` and a timeout
// match it as `4321#` does), when they are at least MinLen long.
type matcher struct {
	keys    map[string]config.Action
	collect bool
	minLen  int
	maxLen  int
	term    byte
}

func newMatcher(ivr config.IVR) matcher {
	m := matcher{keys: ivr.Keys}
	if c := ivr.Collect; c != nil {
		m.collect = true
		m.minLen, m.maxLen, m.term = c.Min(), max(c.Max(), c.Min()), c.Term()[0]
	}
	return m
}

// match says what pressed (the keys so far, one byte each) means. timedOut
// is true when the digit timeout passed after the last key: no more keys come.
func (m matcher) match(pressed string, timedOut bool) (verdict, string) {
	if pressed == "" {
		return noMatch, ""
	}
	_, exact := m.keys[pressed]
	longer := false
	for k := range m.keys {
		if len(k) > len(pressed) && strings.HasPrefix(k, pressed) {
			longer = true
			break
		}
	}
	cv, digits := m.collectState(pressed)
	switch {
	case timedOut && exact:
		return keyMatch, pressed
	case timedOut:
		switch {
		case cv == stringMatch:
			return stringMatch, digits
		case cv == needMore && len(pressed) >= m.minLen: // ended by the digit timeout
			return stringMatch, pressed
		}
		return noMatch, ""
	case exact && !longer && cv != needMore:
		return keyMatch, pressed
	case longer || cv == needMore:
		return needMore, ""
	case cv == stringMatch:
		return stringMatch, digits
	}
	return noMatch, ""
}

// collectState matches pressed against the digit string: a digit first, then
// digits and '*', ended by the terminator (not part of the string) or by
// reaching maxLen, at least minLen long. needMore means pressed is a string
// still open (match ends it on the digit timeout).
func (m matcher) collectState(pressed string) (verdict, string) {
	if !m.collect {
		return noMatch, ""
	}
	for i := 0; i < len(pressed); i++ {
		b := pressed[i]
		switch {
		case b == m.term:
			if i < m.minLen || i+1 < len(pressed) { // too short (or terminator first); keys after the end
				return noMatch, ""
			}
			return stringMatch, pressed[:i]
		case b >= '0' && b <= '9', b == '*' && i > 0:
		default:
			return noMatch, ""
		}
		if i+1 >= m.maxLen {
			if i+1 < len(pressed) { // keys after a complete string
				return noMatch, ""
			}
			return stringMatch, pressed[:i+1]
		}
	}
	return needMore, ""
}
