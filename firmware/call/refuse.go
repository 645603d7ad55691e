package call

import (
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/firmware/sdp"
	"github.com/ivrbox/ivrbox/firmware/sip"
)

// Causes of a refused inbound call (event.CallRefused's Cause and the
// call record's): stable strings, shown in the admin API and metrics.
const (
	RefusedNoRoute  = "no_route"  // a trunk's call whose DID no inbound route takes (404)
	RefusedNoIVR    = "no_ivr"    // no IVR has the number, or the route's IVR is gone (404)
	RefusedBusy     = "busy"      // the box's call limit is reached (486)
	RefusedCapacity = "capacity"  // admission control: over capacity or media falling behind (503 with Retry-After)
	RefusedCodec    = "codec"     // no codec in common (488)
	RefusedBadOffer = "bad_offer" // an SDP offer that does not parse (400)
	RefusedMedia    = "media"     // no RTP port could be opened (503)
	RefusedShutdown = "shutdown"  // the box is shutting down (503)
)

// refusal is why an inbound call is refused: the SIP status, the cause and
// the true reason in words.
type refusal struct {
	status int
	cause  string
	reason string
	retry  bool // answer with Retry-After (the capacity's)
}

// noRoute says why a call that route refused has nowhere to go: the
// router gave no IVR for a trunk's DID, or an IVR that does not exist.
func (m *Manager) noRoute(to, ivr, trunk string) refusal {
	switch {
	case m.runner == nil:
		return refusal{status: 404, cause: RefusedNoIVR, reason: "the box runs no IVRs yet"}
	case trunk != "" && ivr == "":
		return refusal{status: 404, cause: RefusedNoRoute, reason: fmt.Sprintf("no inbound route for DID %q from trunk %q", to, trunk)}
	case trunk != "":
		return refusal{status: 404, cause: RefusedNoIVR, reason: fmt.Sprintf("the inbound route for DID %q from trunk %q goes to IVR %q, which does not exist", to, trunk, ivr)}
	case ivr != "" && ivr != to:
		return refusal{status: 404, cause: RefusedNoIVR, reason: fmt.Sprintf("number %q goes to IVR %q, which does not exist", to, ivr)}
	}
	return refusal{status: 404, cause: RefusedNoIVR, reason: fmt.Sprintf("no IVR has number %q", to)}
}

// admitRefusal says why newInbound refused a call with status and err.
func admitRefusal(status int, err error) refusal {
	r := refusal{status: status, reason: err.Error()}
	switch {
	case CodeOf(err) == CodeShutdown:
		r.cause = RefusedShutdown
	case errors.Is(err, errShed):
		r.cause, r.retry = RefusedCapacity, true
	case status == 486:
		r.cause = RefusedBusy
	case errors.Is(err, sdp.ErrNoCodec) || errors.Is(err, sdp.ErrNoAudio) || status == 488:
		r.cause = RefusedCodec
	case status == 400:
		r.cause = RefusedBadOffer
	default:
		r.cause = RefusedMedia
	}
	return r
}

// refuse answers the INVITE with the refusal, logs the true reason and
// publishes CallRefused (under a new call id, so the refused call has a
// call record and a line in the event log like any other).
func (m *Manager) refuse(d *sip.Dialog, trunk string, r refusal, log *slog.Logger) {
	if r.retry {
		_ = d.RejectRetryAfter(r.status, m.opt.Config().System.Capacity.Retry())
	} else {
		_ = d.Reject(r.status, reasonPhrase(r.status))
	}
	if m.refusedLog.allow(time.Now()) {
		log.Info("call refused", "status", r.status, "cause", r.cause, "reason", r.reason, "trunk", trunk,
			"source", d.Source().String(), "held_back", m.refusedLog.suppressed.Swap(0))
	}
	id, _ := m.ids()
	fromTag, _ := d.Tags()
	now := time.Now()
	in := event.Call{ID: id, SIPCallID: d.CallID(), FromTag: fromTag, Dir: event.Inbound,
		From: d.From(), To: d.To(), Trunk: trunk, State: event.StateEnded, Started: now,
		Source: d.Source().String()}
	m.opt.Bus.Publish(event.Event{Kind: event.CallRefused, Time: now, CallID: id, Call: &in,
		Cause: r.cause, Status: r.status, Reason: r.reason})
}

// logLimit lets at most logBurst lines through per second, so a flood of
// refused calls cannot flood the log; the count of the others is logged
// with the next line let through.
type logLimit struct {
	second     atomic.Int64 // the Unix second of the current window
	n          atomic.Int64 // lines in that second
	suppressed atomic.Int64 // lines held back since the last one logged
}

const logBurst = 10

func (l *logLimit) allow(now time.Time) bool {
	s := now.Unix()
	if old := l.second.Load(); old != s && l.second.CompareAndSwap(old, s) {
		l.n.Store(0)
	}
	if l.n.Add(1) > logBurst {
		l.suppressed.Add(1)
		return false
	}
	return true
}
