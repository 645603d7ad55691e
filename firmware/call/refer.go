package call

import (
	"fmt"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/sip"
)

// refer checks and starts a blind transfer the caller asks for with REFER
// (sip.Dialog.OnRefer). The Refer-To user is the number: an IVR or a
// local account always, a number outside the box only when the caller's
// IVR or the trunk the route picks allows REFERs out (config refer_out) —
// the caller never borrows an account's or an API's permissions. A refusal
// answers the REFER itself (RFC 3515 section 2.4.2: 403 Forbidden);
// otherwise report gets the new leg's outcome for the final NOTIFY (nil at
// once for an IVR).
func (c *Call) refer(uri string, report func(error)) error {
	number := referNumber(uri)
	if number == "" {
		return &sip.StatusError{Code: 400, Reason: "Bad Request", Err: fmt.Errorf("refer-to %q names no number", clipNumber(uri))}
	}
	if err := c.m.transfer(c.ctx, c.id, number, "", report); err != nil {
		return referRefusal(err)
	}
	return nil
}

// referAllowed reports whether a REFER may take the call to tg: an
// account on the box always, a trunk only when the call's IVR or that
// trunk has refer_out.
func (c *Call) referAllowed(number string, tg target) error {
	if tg.trunk == "" {
		return nil
	}
	cfg := c.m.opt.Config()
	if i, ok := cfg.IVR(c.Info().IVR); ok && i.ReferOut {
		return nil
	}
	if t, ok := cfg.Trunk(tg.trunk); ok && t.ReferOut {
		return nil
	}
	if referLog.allow(time.Now()) {
		c.log.Warn("REFER to an outside number refused", "number", clipNumber(number), "trunk", tg.trunk,
			"ivr", c.Info().IVR, "held_back", referLog.suppressed.Swap(0))
	}
	return fail(CodeNotAllowed, "transfer", nil,
		"REFER to %s: outside numbers need refer_out on the IVR or on trunk %s", clipNumber(number), tg.trunk)
}

// referLog limits the refusal log line (a caller may send REFERs at will);
// logLimit is refuse.go's.
var referLog logLimit

// referRefusal is the status a refused REFER is answered with.
func referRefusal(err error) *sip.StatusError {
	switch CodeOf(err) {
	case CodeNotRegistered:
		return &sip.StatusError{Code: 480, Reason: "Temporarily Unavailable", Err: err}
	case CodeNoRoute, CodeNoTrunk:
		return &sip.StatusError{Code: 404, Reason: "Not Found", Err: err}
	}
	return &sip.StatusError{Code: 403, Reason: "Forbidden", Err: err}
}

// referNumber is the user part of a Refer-To URI ("sip:6502@box" → "6502").
func referNumber(uri string) string {
	s := strings.TrimPrefix(strings.TrimPrefix(uri, "sips:"), "sip:")
	user, _, ok := strings.Cut(s, "@")
	if !ok {
		return ""
	}
	user, _, _ = strings.Cut(user, ";")
	return user
}

// clipNumber shortens a number from outside input for a log line.
func clipNumber(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
