package cloud

import (
	"crypto/subtle"
	"net/http"
)

// monitorRequest is the body of /remote/monitor-call.
type monitorRequest struct {
	ID        string `json:"id"`
	Token     string `json:"token"`
	CallID    string `json:"callId"`
	SIPCallID string `json:"sip-callId"`
	FromTag   string `json:"from-tag"`
	ToTag     string `json:"to-tag"`
	ARTP      string `json:"a-rtp"`
	CRTP      string `json:"c-rtp"`
	DeviceID  string `json:"deviceId"`
}

// okAnswer is the seed's success answer of monitor-call.
type okAnswer struct {
	ID     string `json:"id"`
	Result string `json:"result"`
}

// monitorCall forks the call's audio: the caller's side to c-rtp, the
// box's to a-rtp, replacing an earlier monitor of the call.
func (a *API) monitorCall(w http.ResponseWriter, r *http.Request, token string) {
	var q monitorRequest
	if e := decode(r, &q); e != nil {
		writeError(w, q.ID, q.CallID, e)
		return
	}
	if e := a.monitor(r, q, token); e != nil {
		writeError(w, q.ID, q.CallID, e)
		return
	}
	writeJSON(w, http.StatusOK, okAnswer{ID: q.ID, Result: "success"})
}

// monitor checks q and starts the fork.
func (a *API) monitor(r *http.Request, q monitorRequest, token string) *Error {
	if e := required([2]string{"id", q.ID}, [2]string{"token", q.Token}, [2]string{"callId", q.CallID},
		[2]string{"sip-callId", q.SIPCallID}, [2]string{"from-tag", q.FromTag}, [2]string{"to-tag", q.ToTag},
		[2]string{"a-rtp", q.ARTP}, [2]string{"c-rtp", q.CRTP}); e != nil {
		return e
	}
	if subtle.ConstantTimeCompare([]byte(q.Token), []byte(token)) != 1 {
		return errf(CodeUnauthorized, "token does not match the Authorization header")
	}
	for _, f := range [][2]string{{"a-rtp", q.ARTP}, {"c-rtp", q.CRTP}} {
		if e := parseRTP(f[0], f[1]); e != nil {
			return e
		}
	}
	number := ""
	if q.DeviceID != "" {
		var e *Error
		if number, e = a.device(q.DeviceID); e != nil {
			return e
		}
		if _, ok := a.config().IVR(number); !ok {
			return errf(CodeNoRoute, "deviceId %.100q: no IVR %s", q.DeviceID, number)
		}
	}
	info, ok := a.calls.Lookup(q.CallID)
	if !ok {
		return errf(CodeNoCall, "no call %.80q", q.CallID)
	}
	if info.SIPCallID != q.SIPCallID || info.FromTag != q.FromTag || info.ToTag != q.ToTag {
		return errf(CodeNoCall, "call %.80q has other SIP ids or tags", q.CallID)
	}
	s, e := a.cloudCall(q.CallID)
	if e != nil {
		return e
	}
	if number != "" && number != s.ivr {
		return errf(CodeNoRoute, "deviceId %.100q: the call is in IVR %s", q.DeviceID, s.ivr)
	}
	return s.monitor(r, q.CRTP, q.ARTP)
}

// stopRequest is the body of /remote/stop-monitor-call.
type stopRequest struct {
	ID     string `json:"id"`
	CallID string `json:"callId"`
}

// stopMonitor ends the call's monitor fork, if any.
func (a *API) stopMonitor(w http.ResponseWriter, r *http.Request, _ string) {
	var q stopRequest
	if e := decode(r, &q); e != nil {
		writeError(w, q.ID, q.CallID, e)
		return
	}
	if e := required([2]string{"callId", q.CallID}); e != nil {
		writeError(w, q.ID, q.CallID, e)
		return
	}
	s, e := a.cloudCall(q.CallID)
	if e == nil {
		s.unmonitor()
	}
	if e != nil {
		writeError(w, q.ID, q.CallID, e)
		return
	}
	writeJSON(w, http.StatusOK, okAnswer{ID: q.ID, Result: "success"})
}

// mediaRequest is the body of the media requests; JSON field names match
// case-insensitively, so "callid" (as the seed spells it once) works too.
type mediaRequest struct {
	CallID string `json:"callId"`
	URLs   string `json:"urls"`
}

// callAnswer is the media requests' answer.
type callAnswer struct {
	CallID string `json:"callId"`
}

func (a *API) playMedia(w http.ResponseWriter, r *http.Request, _ string) { a.media(w, r, true, false) }
func (a *API) stopMedia(w http.ResponseWriter, r *http.Request, _ string) { a.media(w, r, false, true) }
func (a *API) stopAndPlay(w http.ResponseWriter, r *http.Request, _ string) {
	a.media(w, r, true, true)
}

// media serves the three media requests: play (queue urls), stop, both.
func (a *API) media(w http.ResponseWriter, r *http.Request, play, stop bool) {
	var q mediaRequest
	if e := decode(r, &q); e != nil {
		writeError(w, "", q.CallID, e)
		return
	}
	e := required([2]string{"callId", q.CallID})
	if e == nil && play {
		e = required([2]string{"urls", q.URLs})
	}
	var s *session
	if e == nil {
		s, e = a.cloudCall(q.CallID)
	}
	if e == nil {
		e = a.mediaOn(r, s, q.URLs, play, stop)
	}
	if e != nil {
		writeError(w, "", q.CallID, e)
		return
	}
	writeJSON(w, http.StatusOK, callAnswer{CallID: q.CallID})
}

// mediaOn does a media request on s.
func (a *API) mediaOn(r *http.Request, s *session, urls string, play, stop bool) *Error {
	if !play {
		return s.stop()
	}
	list, e := a.mediaList(r.Context(), urls)
	if e != nil {
		return e
	}
	return s.play(list, urls, stop)
}
