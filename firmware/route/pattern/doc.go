// Package pattern compiles and matches Asterisk extension patterns, the
// dial-plan syntax that trunk routes use: a literal number ("10086") or,
// after a leading "_", a sequence of
//
//	0-9 * # +   that character
//	X x         any digit 0-9
//	Z z         any digit 1-9
//	N n         any digit 2-9
//	[15-7#]     one character of the set: characters and digit ranges
//	.           one or more characters of any kind
//	!           zero or more characters of any kind
//	-           ignored (for readability: _1-800-NXX-XXXX)
//
// Unlike Asterisk, which stops comparing at "." and ignores what follows,
// "." and "!" may be followed by more of the pattern, which must then match
// too: "_X.#" matches "123#" but not "123".
//
// It has no dependencies on the rest of ivrbox, so that package config can
// validate patterns and package route can match them. It must never panic on
// any pattern or number, nor take more than linear time in the number's length.
package pattern
