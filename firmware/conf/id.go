package conf

import (
	"math/rand/v2"
	"strconv"
)

// idTries bounds the search for a free random id.
const idTries = 1000

// freeID returns a random 8-digit id (10000000 to 99999999: never a
// leading 0, so callers can key it in as they hear it) that used does not
// report as taken.
func freeID(used func(string) bool) (string, bool) {
	for range idTries {
		id := strconv.Itoa(10_000_000 + rand.IntN(90_000_000))
		if !used(id) {
			return id, true
		}
	}
	return "", false
}

// validID reports whether id may name a room: 1 to 32 ASCII letters,
// digits, '-' or '_'.
func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, c := range []byte(id) {
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}
