// Package e2e holds the end-to-end tests of ivrbox: the real binary is started
// with a private data directory and ports on loopback, SIPp places the calls,
// and a small RTP peer in the test sends keys and checks by content (known
// tones) what the caller hears. The binary is $IVRBOX_BIN when set, otherwise
// built by the test.
package e2e
